"""Run chunks on a Dask distributed cluster (``distributed.Client``).

The compiled scenario is scattered once to every worker; one task per chunk runs
:func:`fundsvc.simulation.reduce.run_prepared` (the chunk kernel, then the chunk's reduction to
Parquet bytes and per-path columns, so that little travels and the client only appends). At most ``max_in_flight`` tasks are outstanding
(back-pressure: results never pile up on the workers); results are gathered as they complete
and handed back in chunk order (early ones are buffered), so the run's reduction — and its
answer — is the same as on the serial executor.

Workers: Dask starts worker processes with ``MALLOC_TRIM_THRESHOLD_=65536``, which also pins
glibc's mmap threshold; the chunk kernels allocate large temporaries and then run 2-3× slower.
Configure the cluster with ``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null``
(or a value of a few hundred MB) — the benchmark and test clusters do.

Failures: a worker that dies mid-task has its task rescheduled by the scheduler (up to the
cluster's ``distributed.scheduler.allowed-failures``); a task that keeps failing, or any error
raised by a chunk, propagates out of :func:`iter_chunks_dask` after the outstanding tasks are
cancelled — the caller then records the run as failed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fundsvc.engine.sampling import Chunk
from fundsvc.errors import FundsvcError
from fundsvc.simulation.compiled import CompiledScenario
from fundsvc.simulation.reduce import PreparedChunk, run_prepared


class DaskUnavailableError(FundsvcError):
    """The Dask executor was asked for but ``distributed`` is missing or the cluster unreachable."""


@contextmanager
def connect(address: str | None = None, client=None, *, timeout: float | None = None):
    """A ``distributed.Client``: the one given, or a new one connected to ``address`` (closed on exit).

    ``timeout`` (seconds) defaults to Dask's ``distributed.comm.timeouts.connect`` (30 s)."""
    if client is not None:
        yield client
        return
    if not address:
        raise DaskUnavailableError("the Dask executor needs a scheduler address (--dask tcp://HOST:PORT or "
                                   "FUNDSVC_DASK_ADDRESS)")
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is an optional extra
        raise DaskUnavailableError("the Dask executor needs the 'distributed' package (pip install fundsvc[dask])") from exc
    try:
        extra = {} if timeout is None else {"timeout": timeout}
        own = Client(address, set_as_default=False, **extra)
    except (OSError, TimeoutError) as exc:
        raise DaskUnavailableError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        yield own
    finally:
        own.close()


def _n_threads(client) -> int:
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:
        return 1


def iter_chunks_dask(
    compiled: CompiledScenario,
    seed: int,
    chunks: list[Chunk],
    *,
    address: str | None = None,
    client=None,
    fan_paths: int,
    keep_claims: bool = False,
    max_in_flight: int | None = None,
    chunk_fn: Callable[..., PreparedChunk] = run_prepared,
) -> Iterator[PreparedChunk]:
    """Yield each chunk's output, in chunk order, computed on a Dask cluster.

    Parameters
    ----------
    compiled : CompiledScenario
    seed : int
        The run's normalised seed.
    chunks : list of Chunk
        In index order.
    address : str, optional
        Scheduler address (``tcp://host:8786``); ignored when ``client`` is given.
    client : distributed.Client, optional
        An existing client (e.g. on a ``LocalCluster``); left open.
    fan_paths, keep_claims
        See :func:`fundsvc.simulation.chunk.run_chunk`.
    max_in_flight : int, optional
        Tasks outstanding at once (default twice the cluster's threads, at least 2).
    chunk_fn : callable
        The task: ``run_prepared`` (the chunk kernel, then its reduction on the worker).
    """
    from distributed import as_completed

    with connect(address, client) as cl:
        limit = max_in_flight or max(2, 2 * _n_threads(cl))
        token = uuid.uuid4().hex[:12]
        scattered = cl.scatter(compiled, broadcast=True)
        pending = iter(chunks)
        futures = {}

        def submit_next(ac=None) -> bool:
            c = next(pending, None)
            if c is None:
                return False
            f = cl.submit(chunk_fn, scattered, seed, c, fan_paths, keep_claims,
                          key=f"fundsvc-chunk-{token}-{c.index}", pure=False, retries=0)
            futures[c.index] = f
            if ac is not None:
                ac.add(f)
            return True

        first = []
        for _ in range(limit):
            if not submit_next():
                break
            first.append(futures[max(futures)])
        buffer: dict[int, PreparedChunk] = {}
        want = chunks[0].index if chunks else 0
        ac = as_completed(first, loop=cl.loop)
        try:
            for fut in ac:
                out = fut.result()  # re-raises the task's error (or KilledWorker)
                buffer[out.chunk.index] = out
                futures.pop(out.chunk.index, None)
                fut.release()
                while want in buffer:
                    yield buffer.pop(want)
                    want += 1
                # keep `limit` tasks running, but hold at most `limit` early results
                while len(futures) < limit and len(buffer) < limit and submit_next(ac):
                    pass
        finally:
            for f in futures.values():
                f.cancel()
            try:
                cl.cancel([scattered])
            except Exception:
                pass
        if buffer:  # pragma: no cover - a chunk index missing from the plan
            raise RuntimeError(f"chunks {sorted(buffer)} completed but chunk {want} never did")
