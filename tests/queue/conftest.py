"""Fixtures of the run-queue tests: a SQLite store in a data directory of its own, and a private
``TMPDIR`` (spool folders) shared with the worker processes."""

from __future__ import annotations

import pytest


@pytest.fixture
def spool_root(tmp_path, monkeypatch):
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setenv("TMPDIR", str(root))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    yield root


@pytest.fixture
def queue_store(tmp_path, spool_root, monkeypatch):
    from fundsvc.settings import get_settings
    from fundsvc.store import Store

    monkeypatch.setenv("FUNDSVC_HEARTBEAT_SECONDS", "0.5")
    settings = get_settings(data_dir=tmp_path / "data", database_url=None)
    store = Store.open(settings, upgrade=True)
    yield store
    store.close()
