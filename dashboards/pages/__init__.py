"""Pages of the dashboards. Each module has ``layout(data, run_id, lang)`` (first render, built
from stored results) and ``register(app, data, jobs)`` (its thin callbacks)."""

PAGES: tuple[tuple[str, str, str], ...] = (
    # (path, module, nav i18n key)
    ("/", "overview", "nav_overview"),
    ("/funds", "funds", "nav_funds"),
    ("/loans", "loans", "nav_loans"),
    ("/pools", "pools", "nav_pools"),
    ("/assessment", "assessment", "nav_assessment"),
    ("/stress", "stress", "nav_stress"),
    ("/validation", "validation", "nav_validation"),
    ("/sensitivity", "sensitivity", "nav_sensitivity"),
    ("/runs", "runs", "nav_runs"),
)
