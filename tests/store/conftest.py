"""Database fixtures for the store tests come from :mod:`fundsvc.store.testing`, loaded as a
plugin by ``tests/conftest.py``."""
