"""Pricing many loans for the API with the vectorised kernel (:mod:`fundsvc.credit.pricing.batch`).

The formula is the one of :func:`fundsvc.credit.price_loan` (which runs the same kernel on one
loan); this module only routes rows. Rows with the API's flat fields go straight into columns
(:func:`fundsvc.credit.pricing.loan_columns.columns_from_rows`); any other row is validated with
:class:`fundsvc.credit.PricingRequest` and, when valid, priced in the same kernel call, else it
carries the request's :class:`InputError`. Identical loans are priced once. Output columns are
plain lists (NaN and ±inf as None).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from fundsvc.errors import InputError

__all__ = ["OUTPUT_FIELDS", "price_batch"]

#: Output figures per loan (the API's ``PricingOut``), rates per year as decimals, subsidy in bp and CNY.
OUTPUT_FIELDS = ("break_even_rate", "break_even_rate_without_pool", "raroc", "expected_loss_rate",
                 "lgd_after_sharing", "capital_rate", "pd_annual", "pd_cumulative", "subsidy_rate", "subsidy_bp",
                 "subsidy_cny")


#: From this many loans a batch builds its columns straight from the rows (one loan: its request is cheaper).
_FLAT_FROM = 2


def _output_columns(priced) -> dict[str, np.ndarray]:
    """The API's figures of every priced loan as float arrays ``(n,)`` (NaN where undefined)."""
    w, wo = priced.legs[True], priced.legs[False]
    return {
        "break_even_rate": w["break_even"], "break_even_rate_without_pool": wo["break_even"],
        "raroc": w["raroc"], "expected_loss_rate": w["el"], "lgd_after_sharing": w["lgd_default"],
        "capital_rate": w["capital_rate"], "pd_annual": priced.columns.pd, "pd_cumulative": priced.pd_cumulative,
        "subsidy_rate": priced.subsidy_rate, "subsidy_bp": 1e4 * priced.subsidy_rate,
        "subsidy_cny": priced.subsidy_cny,
    }


def _as_list(x: np.ndarray) -> list[float | None]:
    out = np.asarray(x, dtype=float).astype(object)
    out[~np.isfinite(np.asarray(x, dtype=float))] = None
    return out.tolist()


def price_batch(loans: Sequence[Mapping[str, Any]]) -> list[dict[str, float | None] | InputError]:
    """Price each loan; per row a dict of :data:`OUTPUT_FIELDS` or the :class:`InputError` it raised.

    Parameters
    ----------
    loans : sequence of mapping
        Fields of :class:`fundsvc.credit.PricingRequest` per loan (CNY, rates per year; a None
        value counts as absent). Rows with only the API's fields must already be valid field by
        field (the API's ``LoanIn`` checks them); their cross-field rules are checked here.

    Returns
    -------
    list
        One entry per loan, in order.
    """
    from fundsvc.credit.pricing.batch import price_columns
    from fundsvc.credit.pricing.loan_columns import columns_from_requests, columns_from_rows
    from fundsvc.credit.pricing.request import make_request

    if len(loans) >= _FLAT_FROM:
        cols, slow = columns_from_rows(loans)
    else:  # a few loans: validating each request costs less than building columns field by field
        cols, slow = None, list(range(len(loans)))
    out: list[Any] = [None] * len(loans)
    fast = np.setdiff1d(np.arange(len(loans)), np.asarray(slow, dtype=np.int64)) if cols is not None else \
        np.zeros(0, dtype=np.int64)
    requests, placed = [], []
    for i in slow:
        try:
            requests.append(make_request({k: v for k, v in loans[i].items() if v is not None}))
            placed.append(i)
        except InputError as exc:
            out[i] = exc
    for idx, c in ((fast, cols), (np.asarray(placed, dtype=np.int64), None)):
        if not idx.size:
            continue
        distinct, inverse = (c if c is not None else columns_from_requests(requests)).distinct()
        priced = price_columns(distinct)  # each distinct loan once
        figures = {k: _as_list(v[inverse]) for k, v in _output_columns(priced).items()}
        for j, row in enumerate(zip(*figures.values(), strict=True)):
            out[int(idx[j])] = dict(zip(OUTPUT_FIELDS, row, strict=True))
    return out
