"""``fundsvc users …`` and ``fundsvc tokens …``: passwords from stdin, never echoed; tokens shown once;
bad input is a clean error with exit status 2."""

from __future__ import annotations

from typer.testing import CliRunner

from fundsvc.cli.app import build_app


def test_users_and_tokens_commands(tmp_path):
    app, run = build_app(), CliRunner()
    base = ["--data-dir", str(tmp_path)]
    r = run.invoke(app, ["users", "add", "ana", "--role", "bank", "--tenant", "bank_a", "--password-stdin", *base],
                   input="a long password\n")
    assert r.exit_code == 0, r.output
    assert "a long password" not in r.output
    r = run.invoke(app, ["users", "add", "bob", "--role", "bank", "--password-stdin", *base], input="a long password\n")
    assert r.exit_code == 2 and "tenant" in r.output and "Traceback" not in r.output
    r = run.invoke(app, ["users", "add", "eve", "--role", "god", "--password-stdin", *base], input="a long password\n")
    assert r.exit_code == 2 and "'god' is not a role" in r.output
    r = run.invoke(app, ["users", "set-role", "ana", "--role", "viewer", *base])
    assert r.exit_code == 0, r.output
    r = run.invoke(app, ["tokens", "create", "ana", "--scopes", "read,price", "--days", "7", *base])
    assert r.exit_code == 0, r.output
    secret = r.output.strip().splitlines()[-1]
    assert secret.startswith("fsv_")
    r = run.invoke(app, ["tokens", "list", *base])
    assert r.exit_code == 0 and secret[:10] in r.output and secret not in r.output and "active" in r.output
    r = run.invoke(app, ["tokens", "revoke", "1", *base])
    assert r.exit_code == 0
    assert "revoked" in run.invoke(app, ["tokens", "list", *base]).output
    r = run.invoke(app, ["users", "disable", "ana", *base])
    assert r.exit_code == 0
    r = run.invoke(app, ["users", "list", *base])
    assert "ana" in r.output and "viewer" in r.output and "yes" in r.output
    r = run.invoke(app, ["users", "disable", "nobody", *base])
    assert r.exit_code == 2 and "no user 'nobody'" in r.output
