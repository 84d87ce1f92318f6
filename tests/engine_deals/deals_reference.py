"""Slow, obviously-correct reference of the deal kernel: Python loops over paths, steps, deals.

Reads the same random numbers as the fast kernel: the per-deal draws
(:func:`fundsvc.engine.venture.deal_draws.draw_deal_randoms`) and the event-time uniforms,
replayed in the order the kernel documents (per step: ``w`` and ``g`` for the candidate slots
in (path, deal) order, then one ``g`` per entering deal). It follows the model text of
:mod:`fundsvc.engine.venture.deals` literally, one company at a time. Follow-on requests are
paid one by one in deal order from the pool left at the start of the step (reserve first,
then recyclable proceeds during the investment period).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from fundsvc.engine.venture.deal_programme import NO_REGIME_ROW, DealProgramme

PENDING, ACTIVE, EXITED, FAILED, SOLD = 0, 1, 2, 3, 4
NEVER = -1


def reference_deals(prog: DealProgramme, market, draws, uniform) -> dict:
    """``uniform(shape)`` must return the kernel's event-time uniforms in order (a replay)."""
    P, D = draws.u_entry.shape
    rows = range(3) if market.regime is not None else [NO_REGIME_ROW]
    pmax = [max(prog.p_event[r, s] for r in rows) for s in range(5)]

    def gap(g, s):  # steps to the next candidate: geometric on {1, 2, ...} with p = pmax[s]
        return 1 + math.floor(math.log1p(-g) / math.log1p(-pmax[s]))

    T = prog.n_steps
    res = {k: np.zeros((P, T)) for k in ("invested", "proceeds", "nav", "cost_outstanding", "recycled")}
    deal = {k: np.zeros((P, D)) for k in ("invested", "proceeds", "ownership")}
    deal["status"] = np.zeros((P, D), dtype=int)
    deal["stage"] = np.zeros((P, D), dtype=int)
    deal["entry_stage"] = np.zeros((P, D), dtype=int)
    deal["end_step"] = np.full((P, D), -1, dtype=int)
    deal["sector"] = np.zeros((P, D), dtype=int)
    invested_early = np.zeros(P)

    # per path and deal state (lists of lists)
    entry_stage = [[0] * D for _ in range(P)]
    sector = [[0] * D for _ in range(P)]
    epost = [[0.0] * D for _ in range(P)]
    for i in range(P):
        for d in range(D):
            s = next(k for k in range(5) if draws.u_entry[i, d] < prog.entry_cum[k])
            k_sec = next(k for k in range(len(prog.sector_cum)) if draws.u_sector[i, d] < prog.sector_cum[k])
            entry_stage[i][d] = s
            sector[i][d] = int(prog.sector_pos[k_sec])
            epost[i][d] = max(prog.entry_post[s], prog.check_cny / prog.max_entry_ownership)
    status = [[PENDING] * D for _ in range(P)]
    stage = [list(r) for r in entry_stage]
    nround = [[0] * D for _ in range(P)]
    nxt = [[NEVER] * D for _ in range(P)]
    post, own, inv, proc, stack = ([[0.0] * D for _ in range(P)] for _ in range(5))
    last_round = [[0] * D for _ in range(P)]  # step of the last round (for stale write-downs)
    w_st = prog.stale_writedown if prog.nav_market_adjusted else 0.0

    def marked(i, d, t):  # mark to model (MarkingPolicy): last round x market adjustment x staleness
        value = own[i][d] * post[i][d] * math.exp(-w_st * (t - last_round[i][d]))
        if prog.nav_market_adjusted:
            reg_t = NO_REGIME_ROW if market.regime is None else int(market.regime[i, t])
            value *= math.exp(prog.exit_value_loading * market.sector[i, t, sector[i][d]]) * prog.exit_value_mult[reg_t]
        return value

    reserve = [prog.reserve_cny] * P
    recyc_left = [0.0] * P
    recyc_added = [0.0] * P

    for t in range(prog.start_step, prog.last_step):
        in_ip = t < prog.ip_end_step
        cands = [(i, d) for i in range(P) for d in range(D) if nxt[i][d] == t]
        if cands:
            w_all = uniform(len(cands))
            g_all = uniform(len(cands))
        pool_reserve = list(reserve)
        pool_recycled = [recyc_left[i] if in_ip else 0.0 for i in range(P)]
        step_proceeds = [0.0] * P

        def close(i, d, code, pay):
            proc[i][d] += pay
            step_proceeds[i] += pay
            status[i][d] = code
            nxt[i][d] = NEVER
            deal["end_step"][i, d] = t

        for j, (i, d) in enumerate(cands):
            reg = NO_REGIME_ROW if market.regime is None else int(market.regime[i, t])
            s = stage[i][d]
            a = prog.p_event[reg, s] / pmax[s]
            if not w_all[j] < a:  # candidate step without an event
                nxt[i][d] = t + gap(g_all[j], s)
                continue
            v = w_all[j] / a
            f = market.sector[i, t, sector[i][d]]
            qn = ndtr(prog.z_next[s] + prog.factor_sensitivity * f)
            qx = ndtr(prog.z_exit[s] + prog.factor_sensitivity * f)
            if qn + qx > 1.0:
                qn, qx = qn / (qn + qx), qx / (qn + qx)
            wx = qx * prog.exit_rate_mult[reg]
            wf = max(1.0 - qn - qx, 0.0)
            vw = v * (qn + wx + wf)
            if vw < qn:  # next round
                z = draws.z_round[i, d, nround[i][d]]
                step_up = math.exp(prog.step_mu[s] + prog.step_sigma[s] * z)
                dil = prog.dilution[s]
                new_post = post[i][d] * step_up / (1.0 - dil)
                request = own[i][d] * dil * new_post if s + 1 <= prog.follow_on_through else 0.0
                paid = min(request, pool_reserve[i] + pool_recycled[i])
                from_reserve = min(paid, pool_reserve[i])
                pool_reserve[i] -= from_reserve
                from_recycled = paid - from_reserve
                pool_recycled[i] -= from_recycled
                reserve[i] -= from_reserve
                recyc_left[i] -= from_recycled
                res["recycled"][i, t] += from_recycled
                res["invested"][i, t] += paid
                if s + 1 <= 1:
                    invested_early[i] += paid
                own[i][d] = own[i][d] * (1.0 - dil) + paid / new_post
                post[i][d] = new_post
                inv[i][d] += paid
                stack[i][d] += dil * new_post
                stage[i][d] = s + 1
                nround[i][d] += 1
                last_round[i][d] = t
                nxt[i][d] = t + gap(g_all[j], s + 1)
            elif vw < qn + wx:  # exit
                mult = math.exp(prog.exit_mu[s] + prog.exit_sigma[s] * draws.z_exit[i, d])
                if draws.u_tail[i, d] < prog.tail_p[s]:
                    mult = prog.tail_scale[s] * (draws.u_tail[i, d] / prog.tail_p[s]) ** (-1.0 / prog.tail_alpha[s])
                mult = min(mult, prog.exit_multiple_cap)
                value = post[i][d] * mult * math.exp(prog.exit_value_loading * f) * prog.exit_value_mult[reg]
                pay = max(min(inv[i][d], value * inv[i][d] / stack[i][d]), own[i][d] * value)
                close(i, d, EXITED, pay)
            else:  # failure
                close(i, d, FAILED, prog.recovery[s] * inv[i][d])

        if t == prog.end_step:
            for i in range(P):
                for d in range(D):
                    if status[i][d] == ACTIVE:
                        reg_t = NO_REGIME_ROW if market.regime is None else int(market.regime[i, t])
                        close(i, d, SOLD, marked(i, d, t) * prog.secondary_price[reg_t])

        for i in range(P):
            if in_ip and prog.recycling_cap_cny > 0:
                add = min(step_proceeds[i], prog.recycling_cap_cny - recyc_added[i])
                recyc_added[i] += add
                recyc_left[i] += add
            res["proceeds"][i, t] = step_proceeds[i]

        entering = [d for d in range(D) if prog.entry_step[d] == t]
        if entering:
            g_entry = uniform((P, len(entering)))
        for i in range(P):
            for c, d in enumerate(entering):
                s = entry_stage[i][d]
                status[i][d] = ACTIVE
                post[i][d] = epost[i][d]
                own[i][d] = prog.check_cny / epost[i][d]
                inv[i][d] = prog.check_cny
                stack[i][d] = max(prog.stack_frac[s] * epost[i][d], prog.check_cny)
                last_round[i][d] = t
                nxt[i][d] = t + gap(g_entry[i, c], s)
                res["invested"][i, t] += prog.check_cny
                if s <= 1:
                    invested_early[i] += prog.check_cny
            res["nav"][i, t] = sum(marked(i, d, t) for d in range(D) if status[i][d] == ACTIVE)
            res["cost_outstanding"][i, t] = sum(inv[i][d] for d in range(D) if status[i][d] == ACTIVE)

    for i in range(P):
        deal["invested"][i] = inv[i]
        deal["proceeds"][i] = proc[i]
        deal["ownership"][i] = own[i]
        deal["status"][i] = status[i]
        deal["stage"][i] = stage[i]
        deal["entry_stage"][i] = entry_stage[i]
        deal["sector"][i] = sector[i]
    res["deal"] = deal
    res["invested_early"] = invested_early
    return res
