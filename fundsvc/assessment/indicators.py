"""Policy and fund-level indicators as small pure functions (CNY amounts, ratios as decimals).

Definitions (stated because published definitions vary):

* **Loss ratio (容亏率)** = ``max(0, paid_in − distributed − NAV) / paid_in``: the share of
  paid-in capital lost, with the NAV at the valuation date counted at fair value. For the
  guidance fund as a whole, paid-in includes its own management cost (what the city paid).
* **Net cost** = ``paid_in − distributed − NAV`` (negative = gain), CNY, undiscounted.
* **Leverage of fiscal money (放大倍数)** = total committed capital of the sub-funds ÷ the
  guidance fund's commitments to them (Σ commitment / Σ guidance commitment), on committed
  capital of the sub-funds only. Not counted: other government money in the sub-funds,
  co-investment at project level, follow-on rounds by other investors, bank loans — the
  "inflated" definitions criticised by auditors (see ``fundsvc.assessment.sources``).
  ``social_capital_leverage`` = (Σ commitment − Σ guidance commitment) / Σ guidance commitment
  counts only the non-guidance money.
* **返投 completion** per sub-fund = achieved local investment ÷ (required multiple × guidance
  commitment); 1 = requirement met.
* **Early-stage share** = invested in seed / Series A companies ÷ paid-in capital of the sub-funds
  (the total invested is not stored per path, so paid-in, which includes fees, is the
  denominator: a slightly conservative share).
* **Priority-ecosystem share** = commitment-weighted share of the sub-funds' sector mandates in
  the five priority ecosystems (not ``other``).
* **Deployment** = guidance paid-in ÷ guidance commitments to sub-funds, at a date.
* **Fiscal cost per 亿元 of lending** = pool fiscal cost (payouts − interest earned, CNY,
  undiscounted) ÷ (loans supported / 10⁸), loans supported = pooled book at the start + new
  lending under the pool's programme.
"""

from __future__ import annotations

import numpy as np

from models.common import YI


def loss_ratio(paid_in, distributed, nav) -> np.ndarray:
    """容亏率 ``max(0, paid_in − distributed − nav) / paid_in``; NaN where nothing was paid in.

    Parameters
    ----------
    paid_in, distributed, nav : array_like, CNY, same shape (e.g. (n_paths,))
    """
    p, d, v = (np.asarray(x, dtype=float) for x in (paid_in, distributed, nav))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(p > 0, np.maximum(p - d - v, 0.0) / p, np.nan)


def net_cost(paid_in, distributed, nav) -> np.ndarray:
    """``paid_in − distributed − nav`` in CNY (negative = gain), same shape as the inputs."""
    return np.asarray(paid_in, float) - np.asarray(distributed, float) - np.asarray(nav, float)


def leverage(commitment, guidance_commitment) -> float:
    """放大倍数 = Σ sub-fund commitment / Σ guidance commitment (NaN if no guidance money)."""
    g = float(np.sum(guidance_commitment))
    return float(np.sum(commitment)) / g if g > 0 else float("nan")


def social_capital_leverage(commitment, guidance_commitment) -> float:
    """(Σ commitment − Σ guidance commitment) / Σ guidance commitment."""
    return leverage(commitment, guidance_commitment) - 1.0


def reinvestment_completion(ratio, required) -> np.ndarray:
    """返投 completion = achieved ratio / required multiple, shape of ``ratio``; NaN if none required.

    Parameters
    ----------
    ratio : array_like, shape (..., n_funds)
        Local investment / guidance commitment achieved.
    required : array_like, shape (n_funds,)
        Required multiple (e.g. 1.5).
    """
    r = np.asarray(required, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(r > 0, np.asarray(ratio, float) / np.where(r > 0, r, 1.0), np.nan)


def weighted_completion(ratio, required, guidance_commitment) -> np.ndarray:
    """Whole-fund 返投 completion: Σ local invested / Σ required local (over funds with a requirement).

    Parameters
    ----------
    ratio : array_like, shape (n_paths, n_funds)
    required, guidance_commitment : array_like, shape (n_funds,)

    Returns
    -------
    ndarray, shape (n_paths,)
    """
    g = np.asarray(guidance_commitment, float)
    req = np.asarray(required, float) * g
    achieved = np.asarray(ratio, float) * g
    mask = req > 0
    total = req[mask].sum()
    if total <= 0:
        return np.full(np.shape(ratio)[0], np.nan)
    return achieved[:, mask].sum(axis=1) / total


def share(part, whole) -> np.ndarray:
    """``Σ part / Σ whole`` over the last axis; NaN where ``whole`` sums to 0."""
    p = np.sum(np.asarray(part, float), axis=-1)
    w = np.sum(np.asarray(whole, float), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(w > 0, p / np.where(w > 0, w, 1.0), np.nan)


def priority_share(commitment, priority) -> float:
    """Commitment-weighted share of the sector mandates in the five priority ecosystems."""
    c = np.asarray(commitment, float)
    return float((c * np.asarray(priority, float)).sum() / c.sum()) if c.sum() > 0 else float("nan")


def deployment_curve(paid_in, commitment_total: float) -> np.ndarray:
    """Guidance paid-in ÷ guidance commitments, shape of ``paid_in`` (e.g. (n_steps,))."""
    return np.asarray(paid_in, float) / commitment_total if commitment_total > 0 else np.full(np.shape(paid_in), np.nan)


def first_step_reaching(curve, level: float) -> int:
    """First index where ``curve >= level``, −1 if never (curve shape (n_steps,))."""
    hit = np.flatnonzero(np.asarray(curve, float) >= level)
    return int(hit[0]) if hit.size else -1


def projects_per_yi(projects, guidance_commitment_cny: float):
    """支持项目数 per 亿元 of guidance **commitment** (the one definition, simulated and realised
    alike: committed capital is the mandate the policy judges, so a realised count early in the
    fund's life is not inflated by little capital called yet). ``projects`` scalar or array."""
    return np.asarray(projects, dtype=float) / (float(guidance_commitment_cny) / 1e8)


def fiscal_cost_per_yi(fiscal_cost, lending) -> np.ndarray:
    """Fiscal cost (CNY) per 亿元 (10⁸ CNY) of loans supported; NaN where nothing was lent."""
    f, ln = np.asarray(fiscal_cost, float), np.asarray(lending, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ln > 0, f / (ln / YI), np.nan)
