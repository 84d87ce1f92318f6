"""Database fixtures for the store tests (defined in :mod:`fundsvc.store.testing`).

Importing them here keeps tests/store self-contained; tests/conftest.py may also load the
module as a plugin (``pytest_plugins = ["fundsvc.store.testing"]``) for other test areas.
"""

from fundsvc.store.testing import (  # noqa: F401 - fixtures are found by name
    db_backend,
    empty_database_url,
    fresh_store,
    migrated_engine,
    store,
)
