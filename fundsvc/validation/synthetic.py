"""Synthetic histories with a known answer for the backtests: a well-calibrated one that should
pass and a mis-specified one that should fail (used by the tests and the bundled samples)."""

from __future__ import annotations

import numpy as np
import polars as pl

#: Grades and one-year PDs of the synthetic tape (assumption: a 7-grade scale like the bundled
#: ``scenarios/profiles/pd_master_scale.toml``'s shape, not its values).
GRADES = (("A", 0.003), ("BBB", 0.008), ("BB", 0.02), ("B+", 0.04), ("B", 0.07), ("B-", 0.11), ("CCC", 0.2))


def loan_tape(n: int = 6000, *, pd_multiplier: float = 1.0, lgd_shift: float = 0.0, seed: int = 1) -> pl.DataFrame:
    """One year of outcomes for ``n`` loans spread evenly over :data:`GRADES`.

    ``pd_multiplier`` scales the *true* default probability against the predicted PD (1 =
    calibrated; 2 = the model underestimates risk by half); ``lgd_shift`` adds to the true LGD.
    Predicted LGD 0.45 (Basel II foundation IRB, senior unsecured, ¶287); true LGD Beta with mean
    0.45 + shift. Exposures lognormal around 2 m CNY.
    """
    rng = np.random.default_rng(seed)
    k = np.arange(n) % len(GRADES)
    grade = np.array([g for g, _ in GRADES])[k]
    pd_pred = np.array([p for _, p in GRADES])[k]
    within = rng.uniform(0.8, 1.2, n) * pd_pred            # loan-level PDs scatter around the grade's
    defaulted = rng.random(n) < np.minimum(within * pd_multiplier, 1.0)
    mean = np.clip(0.45 + lgd_shift, 0.01, 0.99)
    lgd_true = rng.beta(4 * mean, 4 * (1 - mean), n)
    return pl.DataFrame({
        "loan_id": [f"S{i:06d}" for i in range(n)], "grade": grade, "pd": within,
        "defaulted": defaulted.astype(np.int64), "lgd_predicted": np.full(n, 0.45),
        "lgd_realised": np.where(defaulted, lgd_true, np.nan), "exposure_cny": rng.lognormal(np.log(2e6), 0.5, n),
    }).with_columns(pl.col("lgd_realised").fill_nan(None))


def fund_pit_sample(n: int = 200, *, biased: bool = False, seed: int = 2) -> np.ndarray:
    """PIT values of ``n`` fund observations: uniform when the model is right; when ``biased``
    the realised results come from a distribution shifted down (realised below the simulated
    P20 two-thirds of the time), as when the model is too optimistic."""
    rng = np.random.default_rng(seed)
    u = rng.random(n)
    return u ** 3 if biased else u
