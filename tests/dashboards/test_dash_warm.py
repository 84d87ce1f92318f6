"""The server's warm-up (dashboards.warm): the first page's data is loaded before the first request,
and the first page's imports stay light (no SciPy statistics)."""

from __future__ import annotations

import subprocess
import sys


def test_warm_up_fills_the_first_page_caches(quick_run):
    """After the warm-up the overview renders without reading a table, an array or the scenario
    from the store again, and shows the same page as without warm-up."""
    from dashboards.app import create_app, render_page
    from dashboards.warm import FIRST_PAGE_ARRAYS, FIRST_PAGE_TABLES, _latest_run

    cold = create_app(lambda: quick_run.store, prefetch=False)
    # the warm-up takes the newest succeeded run: quick_run, or one a test before this one stored in
    # the shared session store (the test failed with KeyError when run after the browser tests)
    run_id = _latest_run(cold.fundsvc_data)
    assert run_id is not None and run_id >= quick_run.run_id
    expected = render_page(cold.fundsvc_data, "/", run_id, "en").to_plotly_json()

    app = create_app(lambda: quick_run.store, prefetch=False)
    app.fundsvc_warm_up().join(timeout=60)
    entry = app.fundsvc_data._runs[run_id]
    assert set(FIRST_PAGE_TABLES) <= set(entry.tables) and set(FIRST_PAGE_ARRAYS) <= set(entry.arrays)
    assert entry.scenario_loaded and entry.scenario is not None

    runs = quick_run.store.runs
    calls = []
    original = (runs.load_table, runs.load_array)

    def counting(fn):
        def wrapped(*a, **k):
            calls.append(fn.__name__)
            return fn(*a, **k)
        return wrapped

    runs.load_table, runs.load_array = counting(runs.load_table), counting(runs.load_array)
    try:
        page = render_page(app.fundsvc_data, "/", run_id, "en").to_plotly_json()
    finally:
        runs.load_table, runs.load_array = original
    assert calls == []
    assert repr(page) == repr(expected)  # the same page (figures, numbers) as a cold render


def test_warm_up_without_runs_is_harmless(tmp_path):
    from dashboards.app import create_app
    from dashboards.warm import warm
    from fundsvc.settings import get_settings
    from fundsvc.store import Store

    store = Store.open(get_settings(data_dir=tmp_path, database_url=None), upgrade=True)
    try:
        app = create_app(lambda: store, prefetch=False)
        assert warm(app.fundsvc_data) is None
    finally:
        store.engine.dispose()


def test_first_page_modules_do_not_import_scipy_stats():
    """The dashboards' first page loads the run's scenario through ``fundsvc.assessment.facts``;
    the assessment package names its public API lazily, so that import stays light (SciPy's
    statistics took most of the cold first page, issue 17)."""
    code = ("import sys; import dashboards.app, dashboards.pages.overview, fundsvc.assessment.facts; "
            "print('scipy.stats' in sys.modules); "
            "from fundsvc.assessment import assess_run, Assessment; "
            "from fundsvc.assessment.compute import assess_run as real; "
            "print('scipy.stats' in sys.modules, assess_run is real)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    light, named = out.stdout.strip().splitlines()
    assert light == "False"  # nothing on the first page's import path brought SciPy's statistics
    assert named == "True True"  # asking for the public names imports them: the real objects
