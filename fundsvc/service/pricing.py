"""Pricing many loans for the API: each distinct loan once, with :func:`fundsvc.credit.price_loan`.

The formula is the analytic one-loan pricer; this module only schedules it. Identical loans in a
batch are priced once. (Worker processes were tried for large batches: on this shared 2-core
machine under load they were slower than serial, so batches are priced serially; see the issue
note for the measured figures.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fundsvc.errors import InputError

__all__ = ["price_batch"]


def price_batch(loans: Sequence[dict[str, Any]], convert: Callable[[Any], Any]) -> list[Any]:
    """``convert(price_loan(**fields))`` per loan, or the :class:`InputError` it raised, in order.

    Parameters
    ----------
    loans : sequence of dict
        Fields of :class:`fundsvc.credit.PricingRequest` per loan (CNY, rates per year).
    convert : callable
        Applied to each :class:`~fundsvc.credit.PricingResult` (e.g. to the API's response model).
    """
    from fundsvc.credit import price_loan

    index: dict[tuple, int] = {}
    results: list[Any] = []
    slots = []
    for fields in loans:
        key = tuple(sorted(fields.items()))
        if key not in index:
            index[key] = len(results)
            try:
                results.append(convert(price_loan(**fields)))
            except InputError as exc:
                results.append(exc)
        slots.append(index[key])
    return [results[i] for i in slots]
