"""Slow, obviously-correct reference of the deal kernel: Python loops over paths, steps, deals.

Reads the same pre-drawn random numbers as the fast kernel
(:func:`fundsvc.engine.venture.deal_draws.draw_deal_randoms` and ``draw_step_uniforms``) and
follows the model text of :mod:`fundsvc.engine.venture.deals` literally, one company at a
time. Follow-on requests are paid one by one in deal order from the pool left at the start
of the step (reserve first, then recyclable proceeds during the investment period).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from fundsvc.engine.venture.deal_programme import NO_REGIME_ROW, DealProgramme

PENDING, ACTIVE, EXITED, FAILED, SOLD = 0, 1, 2, 3, 4


def reference_deals(prog: DealProgramme, market, draws, u_steps: np.ndarray) -> dict:
    P, D = draws.u_entry.shape
    T = prog.n_steps
    res = {k: np.zeros((P, T)) for k in ("invested", "proceeds", "nav", "cost_outstanding", "recycled")}
    deal = {k: np.zeros((P, D)) for k in ("invested", "proceeds", "ownership")}
    deal["status"] = np.zeros((P, D), dtype=int)
    deal["stage"] = np.zeros((P, D), dtype=int)
    deal["entry_stage"] = np.zeros((P, D), dtype=int)
    deal["end_step"] = np.full((P, D), -1, dtype=int)
    deal["sector"] = np.zeros((P, D), dtype=int)
    invested_early = np.zeros(P)

    for i in range(P):
        # attributes fixed at entry
        entry_stage, sector, epost = [], [], []
        for d in range(D):
            s = next(k for k in range(5) if draws.u_entry[i, d] < prog.entry_cum[k])
            k_sec = next(k for k in range(len(prog.sector_cum)) if draws.u_sector[i, d] < prog.sector_cum[k])
            entry_stage.append(s)
            sector.append(int(prog.sector_pos[k_sec]))
            epost.append(max(prog.entry_post[s], prog.check_cny / prog.max_entry_ownership))
        status = [PENDING] * D
        stage = list(entry_stage)
        nround = [0] * D
        post, own, inv, proc, stack = [0.0] * D, [0.0] * D, [0.0] * D, [0.0] * D, [0.0] * D
        reserve = prog.reserve_cny
        recyc_left = 0.0
        recyc_added = 0.0

        for t in range(prog.start_step, prog.last_step):
            u = u_steps[i, :, t - prog.start_step]
            in_ip = t < prog.ip_end_step
            reg = NO_REGIME_ROW if market.regime is None else int(market.regime[i, t])
            step_proceeds = 0.0
            pool_reserve = reserve
            pool_recycled = recyc_left if in_ip else 0.0

            def close(d, code, pay):
                nonlocal step_proceeds
                proc[d] += pay
                step_proceeds += pay
                status[d] = code
                deal["end_step"][i, d] = t

            for d in range(D):
                if status[d] != ACTIVE:
                    continue
                s = stage[d]
                pe = prog.p_event[reg, s]
                if not u[d] < pe:
                    continue
                v = u[d] / pe
                f = market.sector[i, t, sector[d]]
                qn = ndtr(prog.z_next[s] + prog.factor_sensitivity * f)
                qx = ndtr(prog.z_exit[s] + prog.factor_sensitivity * f)
                if qn + qx > 1.0:
                    qn, qx = qn / (qn + qx), qx / (qn + qx)
                wx = qx * prog.exit_rate_mult[reg]
                wf = max(1.0 - qn - qx, 0.0)
                vw = v * (qn + wx + wf)
                if vw < qn:  # next round
                    z = draws.z_round[i, d, nround[d]]
                    step_up = math.exp(prog.step_mu[s] + prog.step_sigma[s] * z)
                    dil = prog.dilution[s]
                    new_post = post[d] * step_up / (1.0 - dil)
                    request = own[d] * dil * new_post if s + 1 <= prog.follow_on_through else 0.0
                    paid = min(request, pool_reserve + pool_recycled)
                    from_reserve = min(paid, pool_reserve)
                    pool_reserve -= from_reserve
                    from_recycled = paid - from_reserve
                    pool_recycled -= from_recycled
                    reserve -= from_reserve
                    recyc_left -= from_recycled
                    res["recycled"][i, t] += from_recycled
                    res["invested"][i, t] += paid
                    if s + 1 <= 1:
                        invested_early[i] += paid
                    own[d] = own[d] * (1.0 - dil) + paid / new_post
                    post[d] = new_post
                    inv[d] += paid
                    stack[d] += dil * new_post
                    stage[d] = s + 1
                    nround[d] += 1
                elif vw < qn + wx:  # exit
                    mult = math.exp(prog.exit_mu[s] + prog.exit_sigma[s] * draws.z_exit[i, d])
                    if draws.u_tail[i, d] < prog.tail_p[s]:
                        mult = prog.tail_scale[s] * (draws.u_tail[i, d] / prog.tail_p[s]) ** (-1.0 / prog.tail_alpha[s])
                    mult = min(mult, prog.exit_multiple_cap)
                    value = post[d] * mult * math.exp(prog.exit_value_loading * f) * prog.exit_value_mult[reg]
                    pay = max(min(inv[d], value * inv[d] / stack[d]), own[d] * value)
                    close(d, EXITED, pay)
                elif v < 1.0:  # failure
                    close(d, FAILED, prog.recovery[s] * inv[d])

            if t == prog.end_step:
                for d in range(D):
                    if status[d] == ACTIVE:
                        close(d, SOLD, own[d] * post[d])

            if in_ip and prog.recycling_cap_cny > 0:
                add = min(step_proceeds, prog.recycling_cap_cny - recyc_added)
                recyc_added += add
                recyc_left += add
            res["proceeds"][i, t] = step_proceeds

            for d in range(D):
                if prog.entry_step[d] == t:
                    s = entry_stage[d]
                    status[d] = ACTIVE
                    post[d] = epost[d]
                    own[d] = prog.check_cny / epost[d]
                    inv[d] = prog.check_cny
                    stack[d] = max(prog.stack_frac[s] * epost[d], prog.check_cny)
                    res["invested"][i, t] += prog.check_cny
                    if s <= 1:
                        invested_early[i] += prog.check_cny

            res["nav"][i, t] = sum(own[d] * post[d] for d in range(D) if status[d] == ACTIVE)
            res["cost_outstanding"][i, t] = sum(inv[d] for d in range(D) if status[d] == ACTIVE)

        deal["invested"][i] = inv
        deal["proceeds"][i] = proc
        deal["ownership"][i] = own
        deal["status"][i] = status
        deal["stage"][i] = stage
        deal["entry_stage"][i] = entry_stage
        deal["sector"][i] = sector
    res["deal"] = deal
    res["invested_early"] = invested_early
    return res
