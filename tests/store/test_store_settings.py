"""Settings: environment, overrides, URL resolution and redaction; nothing built at import."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
import sqlalchemy as sa

import fundsvc.settings as settings_module
import fundsvc.store
from fundsvc.errors import InputError
from fundsvc.settings import Settings, get_settings, redact_url, url_password


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATA_DIR", "DATABASE_URL", "DASK_ADDRESS", "CHUNK_SIZE", "LOG_LEVEL"):
        monkeypatch.delenv(f"FUNDSVC_{name}", raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_sqlite_in_dot_fundsvc_of_the_current_directory(tmp_path: Path) -> None:
    settings = get_settings()
    assert settings.data_dir == tmp_path / ".fundsvc"
    assert settings.data_dir.is_absolute()
    assert settings.database_url is None
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path}/.fundsvc/fundsvc.sqlite"
    assert settings.chunk_size == 10_000
    assert settings.dask_address is None
    assert settings.log_level.value == "INFO"


def test_environment_is_read_when_the_factory_is_called(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    first = get_settings()
    monkeypatch.setenv("FUNDSVC_DATA_DIR", "elsewhere")
    monkeypatch.setenv("FUNDSVC_CHUNK_SIZE", "2500")
    monkeypatch.setenv("FUNDSVC_LOG_LEVEL", "debug")
    monkeypatch.setenv("FUNDSVC_DASK_ADDRESS", "tcp://10.0.0.1:8786")
    second = get_settings()
    assert first.data_dir == tmp_path / ".fundsvc"
    assert second.data_dir == tmp_path / "elsewhere"
    assert second.chunk_size == 2500
    assert second.log_level.value == "DEBUG"
    assert second.dask_address == "tcp://10.0.0.1:8786"


def test_overrides_beat_environment_and_none_overrides_are_ignored(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNDSVC_DATABASE_URL", "sqlite:////env.sqlite")
    assert get_settings(database_url="sqlite:////arg.sqlite").database_url == "sqlite:////arg.sqlite"
    assert get_settings(database_url=None).database_url == "sqlite:////env.sqlite"


def test_blank_database_url_means_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNDSVC_DATABASE_URL", "  ")
    assert get_settings().database_url is None


def test_bare_postgres_schemes_use_psycopg3() -> None:
    for scheme in ("postgres", "postgresql"):
        url = get_settings(database_url=f"{scheme}://u:pw@db.example:5432/fund")
        assert url.resolved_database_url() == "postgresql+psycopg://u:pw@db.example:5432/fund"
    explicit = "postgresql+psycopg://u@h/db"
    assert get_settings(database_url=explicit).resolved_database_url() == explicit


def test_unknown_override_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="databse_url"):
        get_settings(databse_url="sqlite://")


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNDSVC_CHUNK_SIZE", "0")
    with pytest.raises(InputError) as info:
        get_settings()
    assert "environment: FUNDSVC_CHUNK_SIZE:" in str(info.value)
    with pytest.raises(InputError, match="<argument>: chunk_size"):
        get_settings(chunk_size=-5)


@pytest.mark.parametrize(("url", "shown", "password"), [
    ("postgresql+psycopg://fund:s3cret@db:5432/x", "postgresql+psycopg://fund:***@db:5432/x",
     "s3cret"),
    ("postgresql://fund:p/a@ss@db/x", "postgresql://fund:***@db/x", "p/a@ss"),
    ("postgresql://db:5432/x", "postgresql://db:5432/x", None),
    ("postgresql://fund@db/x?password=s3cret&sslmode=require",
     "postgresql://fund@db/x?password=***&sslmode=require", "s3cret"),
    ("sqlite:////tmp/a:b@c.sqlite", "sqlite:////tmp/a:b@c.sqlite", None),
    ("not a url at all :pw@", "not a url at all :pw@", None),
])
def test_redact_url(url: str, shown: str, password: str | None) -> None:
    assert redact_url(url) == shown
    assert url_password(url) == password
    if password:
        assert password not in redact_url(url)


def test_redacted_url_of_settings() -> None:
    settings = get_settings(database_url="postgresql://fund:s3cret@db/x")
    assert settings.redacted_url() == "postgresql+psycopg://fund:***@db/x"
    assert "s3cret" not in repr(settings.redacted_url())


def test_nothing_is_built_at_import_time() -> None:
    """No Settings, Engine or Store instance exists at module level in settings or the store."""
    modules = [settings_module]
    for info in pkgutil.iter_modules(fundsvc.store.__path__, "fundsvc.store."):
        if info.name != "fundsvc.store.testing":
            modules.append(importlib.import_module(info.name))
    assert len(modules) > 10
    for module in modules:
        for name, value in vars(module).items():
            assert not isinstance(value, (Settings, sa.Engine, fundsvc.store.Store)), (
                f"{module.__name__}.{name} is created at import time")
