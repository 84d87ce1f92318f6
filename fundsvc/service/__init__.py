"""The service layer shared by the REST API, the dashboards' callbacks, exports and reports.

* :mod:`fundsvc.service.policy` — who may see and do what (roles and bank / sub-fund tenancy);
  every read of run data goes through :func:`~fundsvc.service.policy.filter_table`.
* :mod:`fundsvc.service.scenarios` — scenarios chosen by bundled NAME or uploaded content, never a
  server path.
* :mod:`fundsvc.service.runs` — the one adapter that starts, follows and cancels runs.
"""
