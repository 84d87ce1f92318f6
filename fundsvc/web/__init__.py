"""The production web service: REST API ``/api/v1`` (FastAPI), sign-in, and the Dash dashboards
mounted in the same ASGI process behind the same sign-in and security middleware.

Build with :func:`fundsvc.web.app.create_server`; ``fundsvc serve`` runs it under uvicorn.
"""
