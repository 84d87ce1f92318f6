"""Fixtures of the scale tests (store fixtures come from the top-level conftest)."""

import os

import pytest


@pytest.fixture(scope="session")
def quick_compiled():
    from fundsvc.inputs.bundled import resolve_scenario
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.simulation import compile_scenario

    return compile_scenario(load_scenario(resolve_scenario("quick")).scenario)


@pytest.fixture(scope="module")
def dask_cluster():
    """A LocalCluster with 2 single-threaded worker processes (module-scoped: ~3 s to start)."""
    distributed = pytest.importorskip("distributed")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import dask

    # Dask's default MALLOC_TRIM_THRESHOLD_ for workers makes array-heavy chunks 2-3x slower
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=40)
    client = distributed.Client(cluster, set_as_default=False)
    try:
        yield cluster, client
    finally:
        client.close()
        cluster.close()
