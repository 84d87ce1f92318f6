"""Vectorised Monte Carlo kernels: shared market factors, venture and credit engines, sampling."""
