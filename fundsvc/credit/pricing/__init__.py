"""Pricing of a single tech loan: break-even rate, RAROC and the pool's subsidy value.

* :mod:`~fundsvc.credit.pricing.loan` — :func:`price_loan` and the vectorised formulas;
* :mod:`~fundsvc.credit.pricing.request` — :class:`PricingRequest` (validated inputs);
* :mod:`~fundsvc.credit.pricing.regulatory_capital` — standardised / IRB capital per CNY;
* :mod:`~fundsvc.credit.pricing.economic_capital` — capital per CNY from the portfolio simulation;
* :mod:`~fundsvc.credit.pricing.loan_schedule` — annual legs of a multi-year loan;
* :mod:`~fundsvc.credit.pricing.loss_sharing` — who bears a default's loss in pricing (closed form);
* :mod:`~fundsvc.credit.pricing.recovery_expectation` — the bank's loss at default from the
  engine's own recovery model (workout, IP, guarantor credit), default-weighted or downturn;
* :mod:`~fundsvc.credit.pricing.mitigation` — the pool as credit-risk mitigation, IRB LGD floors;
* :mod:`~fundsvc.credit.pricing.crm_compare` — the mitigation choices side by side;
* :mod:`~fundsvc.credit.pricing.book` — a loan book priced at its contract rates (book report).

The public names are re-exported by :mod:`fundsvc.credit` (``fundsvc.credit.price_loan``).
"""
