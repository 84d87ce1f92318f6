"""Start a function in a child process at a lower CPU priority *before* it imports anything heavy.

The payload (function and arguments) arrives pickled as bytes, so the child lowers its priority
(``os.nice``) first and only then unpickles — which imports numpy, polars and fundsvc. The
dashboard process thus keeps answering while a what-if starts and runs. Only the standard
library is imported here.
"""

from __future__ import annotations

import os
import pickle


def run_niced(payload: bytes, *extra, increment: int = 10) -> None:
    """Lower this process's priority by ``increment``, then call ``fn(*args, *extra)`` from ``payload``
    (``extra``: objects passed by inheritance, e.g. a ``multiprocessing.Queue``)."""
    try:
        os.nice(increment)
    except (AttributeError, OSError):
        pass
    fn, args = pickle.loads(payload)
    fn(*args, *extra)
