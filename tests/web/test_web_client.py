"""A client generated from the OpenAPI document by openapi-python-client prices a loan and starts a run.

The client is generated into a temporary folder for this test only (nothing generated is kept).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _generator(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """The generator's command and environment. openapi-python-client pins an older typer than
    fundsvc's CLI wants, so it is not a test extra: it is installed into a folder of its own for
    this test (from the package registry) and run from there with its own dependencies first."""
    near = Path(sys.executable).with_name("openapi-python-client")
    exe = str(near) if near.exists() else shutil.which("openapi-python-client")
    if exe is not None:
        return [exe], dict(os.environ)
    target = tmp_path / "generator"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "--target", str(target), "openapi-python-client"],
                          check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, "could not install openapi-python-client: " + done.stderr[-800:]
    return [sys.executable, "-m", "openapi_python_client"], {**os.environ, "PYTHONPATH": str(target)}


def test_generated_client_prices_a_loan_and_starts_a_run(served, live, tmp_path, monkeypatch):
    from fundsvc.credit import price_loan
    from fundsvc.web.app import create_server

    cmd, env = _generator(tmp_path)
    doc = tmp_path / "openapi.json"
    doc.write_text(json.dumps(create_server(None, mount_dashboards=False).app.openapi()))
    out = tmp_path / "fundsvc_generated_client"
    done = subprocess.run([*cmd, "generate", "--path", str(doc), "--output-path", str(out), "--meta", "none"],
                          check=False, capture_output=True, text=True, timeout=120, env=env)
    assert (out / "client.py").exists(), done.stdout + done.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    client_mod = importlib.import_module("fundsvc_generated_client")
    pricing = importlib.import_module("fundsvc_generated_client.api.pricing.price_loan_route")
    runs = importlib.import_module("fundsvc_generated_client.api.runs.start_run_route")
    get_run = importlib.import_module("fundsvc_generated_client.api.runs.get_run")
    models = importlib.import_module("fundsvc_generated_client.models")

    served.accounts.add_user("client_bank", "long enough pw", "bank", "bank_a")
    _, token = served.accounts.create_token("client_bank", "generated client", ["read", "price", "run"], 1)
    client = client_mod.AuthenticatedClient(base_url=live, token=token, raise_on_unexpected_status=True)
    loan = {"amount_cny": 5e6, "term_years": 3.0, "pd": 0.02, "lgd": 0.4, "quoted_rate": 0.045}
    priced = pricing.sync(client=client, body=models.LoanIn.from_dict(loan))
    assert isinstance(priced, models.PricingOut)
    assert priced.break_even_rate == pytest.approx(price_loan(**loan).break_even_rate, rel=1e-12)
    run = runs.sync(client=client, body=models.RunStart(scenario="quick", paths=100))
    assert isinstance(run, models.RunOut) and run.scenario == "quick" and run.paths == 100
    again = get_run.sync(client=client, run_id=run.id)
    assert again.id == run.id
    # the run belongs to the bank: another bank cannot see it
    other = served.api("bank_b_user").get(f"/api/v1/runs/{run.id}")
    assert other.status_code == 404
