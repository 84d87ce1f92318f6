"""Pool rules as components: sharing, compensation rate, caps, replenishment, triggers and resets.

Each rule is a small frozen class built from its pydantic parameters (:mod:`models.credit`) through
one registry (:data:`BUILDERS`, keyed by the parameter model's type or the enum value), and used
by the fast pool stage (:mod:`fundsvc.credit.pools.ledger`, vectorised over paths), the claim stage
(:mod:`fundsvc.credit.engine.claims`, vectorised over defaults) and the slow reference
(:mod:`fundsvc.credit.engine.reference`, one path at a time). Adding a rule: its parameters in
``models/credit.py`` and its class (registered with :func:`rule_for`) here.

All amounts CNY; arrays are vectorised over whatever axis the caller uses (defaults or paths) and
scalars work too.

* **Sharing** (``split``): how a default's net loss ``NL`` (exposure − recovery) is shared, given
  shares ``(s_pool, s_guarantor, s_bank, s_insurer)``:
  ``ProRata`` — the pool's claim is ``s_pool·NL``, guarantor ``s_g·NL``, insurer ``s_i·NL``;
  ``PoolFirst`` — the pool's claim is ``min(NL, s_pool·exposure)`` (first loss up to its share of
  the defaulted exposure; e.g. "30 % of the defaulted principal" with ``s_pool = 0.3``) and the rest
  is split between guarantor, bank and insurer in proportion to their shares.
* **Compensation rate** (``pool_share``): the pool's share of each loan; ``SharesTable`` takes
  ``shares['pool']``, ``TieredCompensation`` a base rate and an enhanced rate for first loans,
  IP-pledge or pure-credit loans. The bank's share takes the difference.
* **Claim caps** (``limit``, per loan, at the claim): ``PerLoanAmount`` (at most ``amount`` CNY),
  ``NonPerformingShare`` (at most ``share`` × the loan's exposure at default).
* **Running caps** (``room``, in the pool stage): ``CumulativeLossShare`` — cumulative payouts at
  most ``share`` × cumulative net loss of the pool's defaults.
* **Replenishment** (``amount``, at year ends): none, a fixed amount, top-up to the initial
  balance (at most ``amount``; 0 = no limit), a share of the year's payouts.
* **Triggers** (:class:`PauseTrigger`): a metric (NPL ratio, cumulative-loss ratio) above a
  threshold pauses compensation or new lending; the **reset rule** (``update``,
  ``after_replenishment``) says when the pause ends: ``Immediate`` (paused exactly while above),
  ``Hysteresis`` (resumes at or below ``resume_below``), ``Never`` (latched), ``OnReplenishment``
  (latched until the next replenishment, which also restarts the cumulative-loss count).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from models.credit import (
    CompensationRate,
    CumulativeLossCap,
    EnhancedCase,
    HysteresisReset,
    ImmediateReset,
    NeverReset,
    NonPerformingShareCap,
    PerLoanCap,
    ReplenishmentReset,
    ReplenishmentRule,
    RiskSharingPool,
    SharingRule,
    Suspends,
    Trigger,
    TriggerMetric,
)

BUILDERS: dict[object, Callable] = {}
"""Registry: parameter model type (or enum value) → factory of the component."""


def rule_for(key: object):
    """Register the decorated class (or factory) as the component of ``key``."""
    def deco(cls):
        BUILDERS[key] = cls
        return cls
    return deco


def build(params: object, **kw):
    """The component of ``params`` (a pydantic rule model or an enum value)."""
    key = params if isinstance(params, SharingRule | ReplenishmentRule) else type(params)
    try:
        factory = BUILDERS[key]
    except KeyError:
        raise TypeError(f"no pool-rule component registered for {key!r}") from None
    return factory(params, **kw) if not isinstance(params, SharingRule) else factory()


# ------------------------------------------------------------------------------------- sharing
@rule_for(SharingRule.PRO_RATA)
@dataclass(frozen=True)
class ProRata:
    """Each party bears its share of the net loss at once."""

    def split(self, net_loss, exposure, shares):
        """Pool claim (before caps), guarantor, insurer per default; shares (n, 4)."""
        s = np.asarray(shares)
        return s[..., 0] * net_loss, s[..., 1] * net_loss, s[..., 3] * net_loss


@rule_for(SharingRule.POOL_FIRST)
@dataclass(frozen=True)
class PoolFirst:
    """The pool takes the first loss up to its share of the exposure; the rest is shared."""

    def split(self, net_loss, exposure, shares):
        s = np.asarray(shares)
        want = np.minimum(net_loss, s[..., 0] * exposure)
        rest = net_loss - want
        others = s[..., 1] + s[..., 2] + s[..., 3]
        safe = np.where(others > 0, others, 1.0)
        return want, np.where(others > 0, rest * s[..., 1] / safe, 0.0), np.where(others > 0, rest * s[..., 3] / safe, 0.0)


# -------------------------------------------------------------------------------- compensation
@dataclass(frozen=True)
class SharesTable:
    """The pool's share from the pool's ``shares`` table, the same for every loan."""

    def pool_share(self, table_share, first_loan, ip_pledge, pure_credit):
        return np.broadcast_to(np.asarray(table_share, float), np.shape(first_loan)).copy()


@rule_for(CompensationRate)
@dataclass(frozen=True)
class TieredCompensation:
    """``base_rate``, or ``enhanced_rate`` for loans in any of the ``enhanced_for`` cases."""

    base_rate: float
    enhanced_rate: float
    enhanced_for: frozenset

    def __init__(self, params: CompensationRate):
        object.__setattr__(self, "base_rate", params.base_rate)
        object.__setattr__(self, "enhanced_rate",
                           params.base_rate if params.enhanced_rate is None else params.enhanced_rate)
        object.__setattr__(self, "enhanced_for", frozenset(params.enhanced_for))

    def pool_share(self, table_share, first_loan, ip_pledge, pure_credit):
        flags = {EnhancedCase.FIRST_LOAN: first_loan, EnhancedCase.IP_PLEDGE: ip_pledge,
                 EnhancedCase.PURE_CREDIT: pure_credit}
        enhanced = np.zeros(np.shape(first_loan), bool)
        for case in self.enhanced_for:
            enhanced |= np.asarray(flags[case], bool)
        return np.where(enhanced, self.enhanced_rate, self.base_rate)


# ---------------------------------------------------------------------------------------- caps
@rule_for(PerLoanCap)
@dataclass(frozen=True)
class PerLoanAmount:
    """At most ``amount`` CNY for one loan."""

    amount: float

    def __init__(self, params: PerLoanCap):
        object.__setattr__(self, "amount", float(params.amount_cny))

    def limit(self, claim, exposure):
        return np.minimum(claim, self.amount)


@rule_for(NonPerformingShareCap)
@dataclass(frozen=True)
class NonPerformingShare:
    """At most ``share`` × the loan's non-performing balance (its exposure at default)."""

    share: float

    def __init__(self, params: NonPerformingShareCap):
        object.__setattr__(self, "share", float(params.share))

    def limit(self, claim, exposure):
        return np.minimum(claim, self.share * np.asarray(exposure))


@rule_for(CumulativeLossCap)
@dataclass(frozen=True)
class CumulativeLossShare:
    """Cumulative payouts at most ``share`` × cumulative net loss of the pool's defaults."""

    share: float

    def __init__(self, params: CumulativeLossCap):
        object.__setattr__(self, "share", float(params.share))

    def room(self, cum_paid, cum_net_loss):
        """What may still be paid given payouts and net losses so far (incl. this step), CNY."""
        return np.maximum(self.share * np.asarray(cum_net_loss) - cum_paid, 0.0)


# ------------------------------------------------------------------------------- replenishment
@rule_for(ReplenishmentRule.NONE)
@dataclass(frozen=True)
class NoReplenishment:
    def __init__(self, params=None, **kw):
        pass

    def amount(self, end_balance, initial, year_payouts):
        return np.zeros(np.shape(end_balance))


@rule_for(ReplenishmentRule.FIXED_ANNUAL)
@dataclass(frozen=True)
class FixedAnnual:
    """``amount`` CNY every year."""

    value: float

    def __init__(self, params=None, *, amount: float = 0.0, share: float = 0.0):
        object.__setattr__(self, "value", float(amount))

    def amount(self, end_balance, initial, year_payouts):
        return np.full(np.shape(end_balance), self.value)


@rule_for(ReplenishmentRule.TOP_UP_TO_INITIAL)
@dataclass(frozen=True)
class TopUpToInitial:
    """Restore the initial balance, at most ``limit`` CNY a year (0 = no limit)."""

    limit: float

    def __init__(self, params=None, *, amount: float = 0.0, share: float = 0.0):
        object.__setattr__(self, "limit", float(amount) if amount > 0 else np.inf)

    def amount(self, end_balance, initial, year_payouts):
        return np.minimum(np.maximum(initial - np.asarray(end_balance), 0.0), self.limit)


@rule_for(ReplenishmentRule.SHARE_OF_PAYOUTS)
@dataclass(frozen=True)
class ShareOfPayouts:
    """``share`` of the year's payouts."""

    share: float

    def __init__(self, params=None, *, amount: float = 0.0, share: float = 0.0):
        object.__setattr__(self, "share", float(share))

    def amount(self, end_balance, initial, year_payouts):
        return self.share * np.asarray(year_payouts)


# ------------------------------------------------------------------------------ reset rules
@rule_for(ImmediateReset)
@dataclass(frozen=True)
class Immediate:
    """Paused exactly while the metric is above the threshold."""

    def __init__(self, params=None):
        pass

    def update(self, paused, metric, threshold):
        return np.asarray(metric) > threshold

    def after_replenishment(self, paused, replenished):
        return paused


@rule_for(HysteresisReset)
@dataclass(frozen=True)
class Hysteresis:
    """Pause above the threshold; once paused, resume only at or below ``resume_below``."""

    resume_below: float

    def __init__(self, params: HysteresisReset):
        object.__setattr__(self, "resume_below", float(params.resume_below))

    def update(self, paused, metric, threshold):
        m = np.asarray(metric)
        return np.where(paused, m > self.resume_below, m > threshold)

    def after_replenishment(self, paused, replenished):
        return paused


@rule_for(NeverReset)
@dataclass(frozen=True)
class Never:
    """Once paused, paused for good."""

    def __init__(self, params=None):
        pass

    def update(self, paused, metric, threshold):
        return np.asarray(paused, bool) | (np.asarray(metric) > threshold)

    def after_replenishment(self, paused, replenished):
        return paused


@rule_for(ReplenishmentReset)
@dataclass(frozen=True)
class OnReplenishment:
    """Paused until the next replenishment (which also restarts cumulative metrics)."""

    restarts_cumulative = True

    def __init__(self, params=None):
        pass

    def update(self, paused, metric, threshold):
        return np.asarray(paused, bool) | (np.asarray(metric) > threshold)

    def after_replenishment(self, paused, replenished):
        return np.asarray(paused, bool) & ~np.asarray(replenished, bool)


# ------------------------------------------------------------------------------------ triggers
@rule_for(Trigger)
@dataclass(frozen=True)
class PauseTrigger:
    """A pause of compensation or new lending on a metric of the pool's book."""

    metric: TriggerMetric
    threshold: float
    suspends: Suspends
    reset: object

    def __init__(self, params: Trigger):
        object.__setattr__(self, "metric", params.metric)
        object.__setattr__(self, "threshold", float(params.threshold))
        object.__setattr__(self, "suspends", params.suspends)
        object.__setattr__(self, "reset", build(params.reset))

    @property
    def restarts_cumulative(self) -> bool:
        return bool(getattr(self.reset, "restarts_cumulative", False))

    def update(self, paused, npl_ratio, loss_ratio):
        """New pause state from the metrics at the end of the previous step (arrays over paths)."""
        metric = npl_ratio if self.metric is TriggerMetric.NPL_RATIO else loss_ratio
        return self.reset.update(paused, metric, self.threshold)


# ------------------------------------------------------------------------------- a pool's rules
@dataclass(frozen=True)
class PoolRules:
    """All rules of one pool, as components."""

    sharing: object
    compensation: object
    claim_caps: tuple = ()
    running_caps: tuple = ()
    replenishment: object = field(default_factory=NoReplenishment)
    triggers: tuple = ()

    def allocate(self, net_loss, exposure, shares):
        """Claim after the per-loan caps, the cap excess, guarantor and insurer shares, per default."""
        want, guarantor, insurer = self.sharing.split(net_loss, exposure, shares)
        claim = self.limit_claim(want, exposure)
        return want, claim, guarantor, insurer

    def limit_claim(self, want, exposure):
        claim = want
        for cap in self.claim_caps:
            claim = cap.limit(claim, exposure)
        return claim

    def cap_room(self, cum_paid, cum_net_loss):
        """What the running caps still allow, CNY (``inf`` without running caps)."""
        room = np.full(np.shape(cum_paid), np.inf)
        for cap in self.running_caps:
            room = np.minimum(room, cap.room(cum_paid, cum_net_loss))
        return room

    def pauses(self, suspends: Suspends) -> list[int]:
        """Indices of the triggers that pause ``suspends``."""
        return [k for k, t in enumerate(self.triggers) if t.suspends is suspends]


def pool_rules(pool: RiskSharingPool) -> PoolRules:
    """The components of a scenario pool's rules."""
    caps = [build(c) for c in pool.all_caps()]
    rep = pool.replenishment
    return PoolRules(
        sharing=build(pool.sharing_rule),
        compensation=SharesTable() if pool.compensation is None else build(pool.compensation),
        claim_caps=tuple(c for c in caps if hasattr(c, "limit")),
        running_caps=tuple(c for c in caps if hasattr(c, "room")),
        replenishment=build(rep.rule, amount=rep.amount_cny, share=rep.share),
        triggers=tuple(build(t) for t in pool.all_triggers()),
    )


def fixed_annual(amount: float) -> FixedAnnual:
    """A fixed annual top-up of ``amount`` CNY (pool sizing's override)."""
    return FixedAnnual(amount=amount)


__all__ = [
    "BUILDERS", "CumulativeLossShare", "FixedAnnual", "Hysteresis", "Immediate", "Never", "NoReplenishment",
    "NonPerformingShare", "OnReplenishment", "PauseTrigger", "PerLoanAmount", "PoolFirst", "PoolRules", "ProRata",
    "ShareOfPayouts", "SharesTable", "TieredCompensation", "TopUpToInitial", "build", "fixed_annual", "pool_rules",
    "rule_for",
]
