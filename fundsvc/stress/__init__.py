"""Stress testing: imposed market conditions applied to a scenario, run on common random numbers.

* :mod:`fundsvc.stress.headline` — per-path headline figures and paired changes with MC errors;
* :mod:`fundsvc.stress.runner` — apply impositions to a scenario and compare with its base run.

The conditioning itself is an engine kernel, :mod:`fundsvc.engine.conditioning`.
"""
