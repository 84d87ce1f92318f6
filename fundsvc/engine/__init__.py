"""Vectorised Monte Carlo kernels: shared market factors, the venture engine, sampling (the credit
engine is :mod:`fundsvc.credit.engine`)."""
