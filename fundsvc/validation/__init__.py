"""Model validation: backtests of predictions against outcomes (:mod:`~fundsvc.validation.backtest`)."""
