"""Risk-sharing pools: the pool stage of the credit engine and pool sizing.

* :mod:`~fundsvc.credit.pools.ledger` — :func:`run_pools`, the pools' accounting in time order
  per path (payouts, balance, interest, replenishment, triggers, new lending);
* :mod:`~fundsvc.credit.pools.sizing` — :func:`required_pool_size`, the balance or annual top-up
  that keeps the depletion probability within a target (common random numbers).

Submodules are imported on use (this package imports nothing itself).
"""
