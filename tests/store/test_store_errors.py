"""Database problems reach the user as one clear StoreError line, password masked."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import make_url

from fundsvc.errors import StoreError
from fundsvc.settings import get_settings
from fundsvc.store import Store
from fundsvc.store.testing import postgres_url

SECRET = "Sup3rSecret"


def open_store(tmp_path: Path, url: str) -> StoreError:
    with pytest.raises(StoreError) as info:
        Store.open(get_settings(data_dir=tmp_path / "data", database_url=url))
    message = str(info.value)
    assert SECRET not in message
    assert "\n" not in message and "Traceback" not in message
    return info.value


@pytest.mark.parametrize(("url", "expected"), [
    (f"not-a-url:{SECRET}@", "invalid database URL"),
    (f"mysql://fund:{SECRET}@db.example/fund", "unsupported database URL mysql://fund:***@"),
    (f"oracle+nosuchdriver://fund:{SECRET}@db/x", "unsupported database URL"),
    (f"postgresql://fund:{SECRET}@127.0.0.1:1/fund",
     "cannot connect to the database at postgresql+psycopg://fund:***@127.0.0.1:1/fund"),
])
def test_bad_or_unreachable_url(tmp_path: Path, url: str, expected: str) -> None:
    assert expected in str(open_store(tmp_path, url))


def test_sqlite_file_in_a_missing_directory(tmp_path: Path) -> None:
    error = open_store(tmp_path, f"sqlite:///{tmp_path}/no/such/dir/x.sqlite")
    assert "cannot connect to the database at sqlite:///" in str(error)
    assert "unable to open database file" in str(error)


def test_not_a_database_file(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("this is not SQLite " * 100)
    assert "is not a database" in str(open_store(tmp_path, f"sqlite:///{bogus}"))


def test_unwritable_data_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot create the data directory"):
        Store.open(get_settings(data_dir=blocker / "data"))


@pytest.mark.postgres
def test_unknown_database_on_a_real_server(tmp_path: Path) -> None:
    """A server that refuses the database name: clear message, password masked."""
    url = make_url(get_settings(database_url=postgres_url()).resolved_database_url())
    url = url.set(password=SECRET, database="no_such_database_xyz")
    error = open_store(tmp_path, url.render_as_string(hide_password=False))
    assert "cannot connect" in str(error) and "no_such_database_xyz" in str(error)
