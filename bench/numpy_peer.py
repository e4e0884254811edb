#!/usr/bin/python3
"""A vectorised numpy implementation of the cxsim model (MODEL.md sections 1-4), written independently of the
engine as a benchmark peer and a cross-check.

Same model, not the same random streams: numpy's PCG64 instead of the per-customer Philox streams, so results agree
with cxsim in distribution (within Monte Carlo error), never bit for bit.

Vectorised over customers: in each period every active customer draws an entry, and then all walkers of the period
advance one step per numpy iteration (walkers that reached an outcome drop out; the walk's per-step state is
compacted each step). The survey, the churn draw and the carry-over are one array operation per period.

  bench/numpy_peer.py JOURNEY [-n CUSTOMERS] [-p PERIODS] [--seed S]        # JSON on stdout
  bench/numpy_peer.py JOURNEY --check [-n 200000] [-p 12] [--cxsim BIN]     # run both, compare metric by metric

Supported: touchpoints (friction, satisfaction, effort, duration fixed/exponential/lognormal/gamma, optionally
split ok/friction, cost, next single or split), outcomes (kind, value), start, channel_switch, max_steps (timeout),
segments (share, satisfaction0, retention, overrides of friction/satisfaction/effort/duration/next), survey
(response rate/extremity, NPS/CSAT/CES ordered logits), retention (alpha/beta default, sensitivity, carryover),
population.discount_rate. Anything else (waiting, patience, engagement, uncertain parameters, ...) is refused with
exit 2 rather than silently simulated differently.
"""
import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

try:
    import yaml
except ImportError:  # Debian: python3-yaml (scripts/setup.sh installs it)
    sys.exit("numpy_peer.py needs PyYAML (Debian package python3-yaml)")

Z90 = 1.2815515655446004  # standard normal 0.9 quantile
FIXED, EXPONENTIAL, LOGNORMAL, GAMMA = 0, 1, 2, 3


class Unsupported(Exception):
    pass


def need_number(x, path):
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise Unsupported(f"{path}: expected a number, got {x!r} (the peer supports plain numbers only)")
    return float(x)


def check_keys(d, allowed, path):
    if not isinstance(d, dict):
        raise Unsupported(f"{path}: expected a mapping, got {d!r}")
    extra = set(d) - set(allowed)
    if extra:
        raise Unsupported(f"{path}: key(s) {sorted(extra)} not supported by the peer")


def ok_friction(x, path):
    """A number (both) or {ok, friction} (missing keys 0)."""
    if isinstance(x, dict):
        check_keys(x, {"ok", "friction"}, path)
        return need_number(x.get("ok", 0.0), path + ".ok"), need_number(x.get("friction", 0.0), path + ".friction")
    v = need_number(x, path)
    return v, v


def distribution(d, path):
    """(kind, p1, p2): fixed value; exponential mean; lognormal mu, sigma; gamma shape, scale."""
    check_keys(d, {"fixed", "exponential", "lognormal", "gamma"}, path)
    if len(d) != 1:
        raise Unsupported(f"{path}: expected exactly one distribution family")
    (name, v), = d.items()
    if name == "fixed":
        return FIXED, need_number(v, path + ".fixed"), 0.0
    if name == "exponential":
        check_keys(v, {"mean"}, path + ".exponential")
        return EXPONENTIAL, need_number(v["mean"], path + ".exponential.mean"), 0.0
    if name == "lognormal":
        check_keys(v, {"median", "p90"}, path + ".lognormal")
        m, q = need_number(v["median"], path + ".lognormal.median"), need_number(v["p90"], path + ".lognormal.p90")
        return LOGNORMAL, math.log(m), math.log(q / m) / Z90
    check_keys(v, {"mean", "sd"}, path + ".gamma")
    m, s = need_number(v["mean"], path + ".gamma.mean"), need_number(v["sd"], path + ".gamma.sd")
    return GAMMA, (m / s) ** 2, s * s / m


def duration(d, path):
    if isinstance(d, dict) and ("ok" in d or "friction" in d):
        check_keys(d, {"ok", "friction"}, path)
        return distribution(d["ok"], path + ".ok"), distribution(d["friction"], path + ".friction")
    x = distribution(d, path)
    return x, x


def transition_map(d, path):
    if not isinstance(d, dict) or not d:
        raise Unsupported(f"{path}: expected a mapping {{target: probability, ...}}, got {d!r}")
    if "dirichlet" in d:
        raise Unsupported(f"{path}: Dirichlet (uncertain) maps are not supported by the peer")
    items = [(t, need_number(p, f"{path}.{t}")) for t, p in d.items()]
    total = sum(p for _, p in items)
    if abs(total - 1.0) > 1e-9:
        raise Unsupported(f"{path}: probabilities sum to {total}, not 1")
    return items


def next_maps(d, path):
    if isinstance(d, dict) and set(d) == {"ok", "friction"} and all(isinstance(v, dict) for v in d.values()):
        return transition_map(d["ok"], path + ".ok"), transition_map(d["friction"], path + ".friction")
    m = transition_map(d, path)
    return m, m


def baseline_probs(b, path, is_nps):
    if is_nps and isinstance(b, dict):
        check_keys(b, {"detractors", "passives", "promoters"}, path)
        d, pa, pr = (need_number(b[k], f"{path}.{k}") for k in ("detractors", "passives", "promoters"))
        return [d / 7] * 7 + [pa / 2] * 2 + [pr / 2] * 2
    if not isinstance(b, list):
        raise Unsupported(f"{path}: expected a list of probabilities")
    return [need_number(x, f"{path}[{i}]") for i, x in enumerate(b)]


def cutpoints(baseline):
    """tau_c = logit(F_c), c = 0..len-2, F the cumulative baseline (normalised): at S = 0 the score distribution is
    the baseline. F <= 0 gives -inf, F >= 1 - 1e-15 gives +inf (as the engine)."""
    total = sum(baseline)
    cut, F = [], 0.0
    for p in baseline[:-1]:
        F += p / total
        cut.append(-math.inf if F <= 0 else math.inf if F >= 1 - 1e-15 else math.log(F / (1 - F)))
    return np.array(cut)


DEFAULT_CSAT = {5: [0.05, 0.10, 0.20, 0.40, 0.25]}
DEFAULT_CES = {7: [0.04, 0.06, 0.10, 0.20, 0.25, 0.20, 0.15], 5: [0.05, 0.10, 0.25, 0.35, 0.25]}


class Model:
    """The journey compiled to flat tables indexed by row = segment * T + touchpoint."""

    def __init__(self, path):
        with open(path) as f:
            doc = yaml.safe_load(f)
        check_keys(doc, {"journey", "description", "time_unit", "max_steps", "start", "touchpoints", "outcomes",
                         "channel_switch", "segments", "survey", "retention", "population"}, "")
        self.name = doc.get("journey", os.path.basename(path))
        self.max_steps = int(doc.get("max_steps", 1000))
        tps = doc["touchpoints"]
        ocs = doc["outcomes"]
        self.tp_ids = list(tps)
        T = self.T = len(self.tp_ids)
        self.oc_ids = list(ocs)
        node = {t: k for k, t in enumerate(self.tp_ids)}
        node.update({o: T + k for k, o in enumerate(self.oc_ids)})
        self.kinds, oc_kind, oc_value = [], [], []
        for o in self.oc_ids:
            spec = ocs[o] or {}
            check_keys(spec, {"kind", "value", "good", "description"}, f"outcomes.{o}")
            k = spec.get("kind", o)
            if k not in self.kinds:
                self.kinds.append(k)
            oc_kind.append(self.kinds.index(k))
            oc_value.append(need_number(spec.get("value", 0.0), f"outcomes.{o}.value"))
        self.kinds.append("timeout")
        self.timeout_node = T + len(self.oc_ids)
        oc_kind.append(len(self.kinds) - 1)
        oc_value.append(0.0)
        # Indexed by node - T (outcomes, then timeout).
        self.oc_kind = np.array(oc_kind, dtype=np.int64)
        self.oc_value = np.array(oc_value)
        channels = []
        base = []
        for t in self.tp_ids:
            s = tps[t]
            p = f"touchpoints.{t}"
            check_keys(s, {"channel", "stage", "description", "friction", "satisfaction", "effort", "duration",
                           "cost", "next"}, p)
            if s["channel"] not in channels:
                channels.append(s["channel"])
            base.append({
                "friction": need_number(s.get("friction", 0.0), p + ".friction"),
                "satisfaction": ok_friction(s.get("satisfaction", 0.0), p + ".satisfaction"),
                "effort": ok_friction(s.get("effort", 0.0), p + ".effort"),
                "duration": duration(s["duration"], p + ".duration") if "duration" in s else ((FIXED, 0.0, 0.0),) * 2,
                "cost": need_number(s.get("cost", 0.0), p + ".cost"),
                "next": next_maps(s["next"], p + ".next"),
            })
        self.channel = np.array([channels.index(tps[t]["channel"]) for t in self.tp_ids], dtype=np.int64)
        cs = doc.get("channel_switch") or {}
        check_keys(cs, {"satisfaction", "effort"}, "channel_switch")
        self.switch_sat = need_number(cs.get("satisfaction", 0.0), "channel_switch.satisfaction")
        self.switch_eff = need_number(cs.get("effort", 0.0), "channel_switch.effort")

        rt = doc.get("retention") or {}
        check_keys(rt, {"alpha", "beta", "sensitivity", "carryover"}, "retention")
        self.sensitivity = need_number(rt.get("sensitivity", 0.0), "retention.sensitivity")
        self.carryover = need_number(rt.get("carryover", 0.5), "retention.carryover")
        default_ab = (need_number(rt["alpha"], "retention.alpha"), need_number(rt["beta"], "retention.beta")) \
            if "alpha" in rt else None

        segs = doc.get("segments") or {"all": {"share": 1.0}}
        self.seg_ids = list(segs)
        S = len(self.seg_ids)
        share, s0m, s0s, alpha, beta = [], [], [], [], []
        rows = []  # per (segment, touchpoint) effective spec
        for sid in self.seg_ids:
            sg = segs[sid]
            p = f"segments.{sid}"
            check_keys(sg, {"share", "description", "satisfaction0", "retention", "overrides"}, p)
            share.append(need_number(sg["share"], p + ".share"))
            s0 = sg.get("satisfaction0", {}) or {}
            if isinstance(s0, dict):
                check_keys(s0, {"mean", "sd"}, p + ".satisfaction0")
                s0m.append(need_number(s0.get("mean", 0.0), p + ".satisfaction0.mean"))
                s0s.append(need_number(s0.get("sd", 0.0), p + ".satisfaction0.sd"))
            else:
                s0m.append(need_number(s0, p + ".satisfaction0"))
                s0s.append(0.0)
            ab = default_ab
            if "retention" in sg:
                check_keys(sg["retention"], {"alpha", "beta"}, p + ".retention")
                ab = (need_number(sg["retention"]["alpha"], p + ".retention.alpha"),
                      need_number(sg["retention"]["beta"], p + ".retention.beta"))
            alpha.append(ab[0] if ab else math.nan)
            beta.append(ab[1] if ab else math.nan)
            ov = sg.get("overrides") or {}
            for t in ov:
                if t not in node or node[t] >= T:
                    raise Unsupported(f"{p}.overrides.{t}: not a touchpoint")
            for k, t in enumerate(self.tp_ids):
                eff = dict(base[k])
                o = ov.get(t) or {}
                q = f"{p}.overrides.{t}"
                check_keys(o, {"friction", "satisfaction", "effort", "duration", "next"}, q)
                if "friction" in o: eff["friction"] = need_number(o["friction"], q + ".friction")
                if "satisfaction" in o: eff["satisfaction"] = ok_friction(o["satisfaction"], q + ".satisfaction")
                if "effort" in o: eff["effort"] = ok_friction(o["effort"], q + ".effort")
                if "duration" in o: eff["duration"] = duration(o["duration"], q + ".duration")
                if "next" in o: eff["next"] = next_maps(o["next"], q + ".next")
                rows.append(eff)
        if abs(sum(share) - 1.0) > 1e-9:
            raise Unsupported(f"segments: shares sum to {sum(share)}, not 1")
        self.S = S
        self.seg_cum = np.cumsum(np.array(share) / sum(share))
        self.seg_cum[-1] = 1.0
        self.s0_mean, self.s0_sd = np.array(s0m), np.array(s0s)
        self.alpha, self.beta = np.array(alpha), np.array(beta)
        self.churns = ~np.isnan(self.alpha)

        R = S * T
        self.friction = np.array([r["friction"] for r in rows])
        self.cost = np.array([r["cost"] for r in rows])
        # Per (row, ok/friction): index 2 * row + fr.
        self.dsat = np.array([r["satisfaction"][f] for r in rows for f in (0, 1)])
        self.deff = np.array([r["effort"][f] for r in rows for f in (0, 1)])
        dur = [r["duration"][f] for r in rows for f in (0, 1)]
        self.dkind = np.array([d[0] for d in dur], dtype=np.int64)
        self.dp1 = np.array([d[1] for d in dur])
        self.dp2 = np.array([d[2] for d in dur])
        self.kinds_used = sorted(set(self.dkind.tolist()))
        maps = [r["next"][f] for r in rows for f in (0, 1)]
        start = transition_map(doc["start"], "start")
        for t, _ in start:
            if node.get(t, T) >= T:
                raise Unsupported(f"start.{t}: not a touchpoint")
        # Inversion tables, padded with cum 2 (never below a uniform) and the last real entry forced to 1.
        K = max(len(m) for m in maps + [start])

        def table(ms):
            cum = np.full((len(ms), K), 2.0)
            tgt = np.zeros((len(ms), K), dtype=np.int64)
            for i, m in enumerate(ms):
                c = np.cumsum([p for _, p in m])
                c[-1] = 1.0
                cum[i, :len(m)] = c
                for j, (t, _) in enumerate(m):
                    if t not in node:
                        raise Unsupported(f"unknown target '{t}'")
                    tgt[i, j] = node[t]
            return cum, tgt

        self.next_cum, self.next_tgt = table(maps)
        self.start_cum, self.start_tgt = table([start])
        assert self.next_cum.shape[0] == 2 * R

        sv = doc.get("survey") or {}
        check_keys(sv, {"response", "nps", "csat", "ces"}, "survey")
        resp = sv.get("response") or {}
        check_keys(resp, {"rate", "extremity"}, "survey.response")
        self.response_rate = need_number(resp.get("rate", 1.0), "survey.response.rate")
        self.response_extremity = need_number(resp.get("extremity", 0.0), "survey.response.extremity")
        nps = sv.get("nps") or {}
        check_keys(nps, {"baseline", "slope"}, "survey.nps")
        self.nps_cut = cutpoints(baseline_probs(nps.get("baseline", {"detractors": 0.30, "passives": 0.35,
                                                                     "promoters": 0.35}), "survey.nps.baseline", True))
        self.nps_slope = need_number(nps.get("slope", 1.0), "survey.nps.slope")
        self.scales = {}
        for name, default_scale, defaults in (("csat", 5, DEFAULT_CSAT), ("ces", 7, DEFAULT_CES)):
            if name not in sv:
                continue
            s = sv[name] or {}
            check_keys(s, {"scale", "baseline", "slope"}, f"survey.{name}")
            n = int(s.get("scale", default_scale))
            if "baseline" not in s and n not in defaults:
                raise Unsupported(f"survey.{name}: no default baseline for scale {n}; give 'baseline'")
            b = baseline_probs(s["baseline"], f"survey.{name}.baseline", False) if "baseline" in s else defaults[n]
            self.scales[name] = (cutpoints(b), need_number(s.get("slope", 1.0), f"survey.{name}.slope"))
        pop = doc.get("population") or {}
        self.discount_rate = float(pop.get("discount_rate", 0.0))
        self.population = pop


def logit(u):
    with np.errstate(divide="ignore"):
        return np.log(u / (1.0 - u))


def draw_categorical(cum, tgt, rows, u):
    """Target of categorical `rows` (indices into the tables) by inversion of uniforms u."""
    idx = (cum[rows] <= u[:, None]).sum(axis=1)
    return tgt[rows, idx]


def sample_durations(m, rng, drow):
    kind = m.dkind[drow]
    dt = np.zeros(drow.size)
    for k in m.kinds_used:
        sel = np.nonzero(kind == k)[0] if len(m.kinds_used) > 1 else slice(None)
        r = drow[sel]
        if k == FIXED:
            dt[sel] = m.dp1[r]
        elif k == EXPONENTIAL:
            dt[sel] = rng.standard_exponential(r.size) * m.dp1[r]
        elif k == LOGNORMAL:
            dt[sel] = np.exp(m.dp1[r] + m.dp2[r] * rng.standard_normal(r.size))
        else:
            dt[sel] = rng.standard_gamma(m.dp1[r]) * m.dp2[r]
    return dt


# Per-customer tallies; each metric is a ratio of two of them (summed over the customer's walks), so standard errors
# treat the customer as the unit (delta method), as cxsim does.
TALLIES = ["walks", "steps", "s_end", "s_change", "prom", "det", "resp", "prom_m", "det_m", "csat", "csat_m", "ces",
           "ces_m", "effort", "time", "frictions", "switches", "clv", "cost", "alive"]
TI = {k: i for i, k in enumerate(TALLIES)}
# Walk state rows (one contiguous row per quantity, compacted together each step).
W_S, W_E, W_TIME, W_COST, W_FR, W_SW = range(6)


def simulate_block(m, rng, n, periods):
    """n customers x `periods` periods. Returns the per-customer tallies as a [len(TALLIES) + kinds, n] array (rows
    TALLIES, then one count per outcome kind) and the number of steps.

    The active customers' state (segment, S0, theta) is kept compacted, their tallies are updated through the index
    of active customers; within a period the walkers' state is compacted each step."""
    T = m.T
    nk = len(m.kinds)
    seg = np.searchsorted(m.seg_cum, rng.random(n), side="right")
    seg = np.minimum(seg, m.S - 1)
    s0 = m.s0_mean[seg] + m.s0_sd[seg] * rng.standard_normal(n)
    churns = m.churns[seg]
    theta = np.full(n, np.nan)
    if churns.any():
        c = np.nonzero(churns)[0]
        theta[c] = rng.beta(m.alpha[seg[c]], m.beta[seg[c]])
    with np.errstate(divide="ignore", invalid="ignore"):
        logit_theta = np.log(theta) - np.log1p(-theta)
    tl = np.zeros((len(TALLIES) + nk, n))
    # The active customers (the state arrays seg, s0, theta, ... are compacted to them): all (a slice, so that the
    # tallies are updated in place) until the first churn, then their indices.
    ids = slice(None)
    resp_logit = math.inf if m.response_rate >= 1 else (
        -math.inf if m.response_rate <= 0 else math.log(m.response_rate / (1 - m.response_rate)))
    everyone_responds = m.response_extremity == 0 and math.isinf(resp_logit)
    any_churn = bool(churns.any())
    steps_total = 0
    for t in range(periods):
        na = s0.size
        if na == 0:
            break
        discount = (1.0 + m.discount_rate) ** -t
        # End-of-walk values, by position among the active customers.
        end = np.empty((6, na))
        steps_end = np.empty(na)
        node_end = np.empty(na, dtype=np.int64)
        node = draw_categorical(m.start_cum, m.start_tgt, np.zeros(na, dtype=np.int64), rng.random(na))
        # The walkers, all at the same step: float state w, position, row base, previous channel, node.
        w = np.zeros((6, na))
        w[W_S] = s0
        pos = np.arange(na)
        rowbase = seg * T
        prev = np.full(na, -1, dtype=np.int64)
        step = 0
        while pos.size:
            if step >= m.max_steps:
                node[:] = m.timeout_node
                done = np.ones(pos.size, dtype=bool)
            else:
                row = rowbase + node
                fr = rng.random(pos.size) < m.friction[row]
                ch = m.channel[node]
                sw = (prev >= 0) & (ch != prev)
                frow = 2 * row + fr
                w[W_S] += m.dsat[frow] + sw * m.switch_sat
                w[W_E] += m.deff[frow] + sw * m.switch_eff
                w[W_TIME] += sample_durations(m, rng, frow)
                w[W_COST] += m.cost[row]
                w[W_FR] += fr
                w[W_SW] += sw
                prev = ch
                node = draw_categorical(m.next_cum, m.next_tgt, frow, rng.random(pos.size))
                step += 1
                done = node >= T
            if done.any():
                p = pos[done]
                end[:, p] = w[:, done]
                steps_end[p] = step
                node_end[p] = node[done]
                keep = ~done
                w = w[:, keep]
                pos, rowbase, node, prev = pos[keep], rowbase[keep], node[keep], prev[keep]
        steps_total += int(steps_end.sum())
        S_end, E_end = end[W_S], end[W_E]
        oc = node_end - T
        kind = m.oc_kind[oc]
        value = m.oc_value[oc]
        # Survey.
        if everyone_responds:
            responds = np.full(na, resp_logit > 0)
        else:
            responds = logit(rng.random(na)) < resp_logit + m.response_extremity * np.abs(S_end)
        nps = np.searchsorted(m.nps_cut, logit(rng.random(na)) + m.nps_slope * S_end, side="left")
        prom, det = nps >= 9, nps <= 6
        tl[TI["walks"], ids] += 1
        tl[TI["steps"], ids] += steps_end
        tl[TI["s_end"], ids] += S_end
        tl[TI["s_change"], ids] += S_end - s0
        tl[TI["prom"], ids] += prom
        tl[TI["det"], ids] += det
        tl[TI["resp"], ids] += responds
        tl[TI["prom_m"], ids] += prom & responds
        tl[TI["det_m"], ids] += det & responds
        for name, x in (("csat", S_end), ("ces", -E_end)):
            if name in m.scales:
                cut, slope = m.scales[name]
                score = np.searchsorted(cut, logit(rng.random(na)) + slope * x, side="left") + 1
                tl[TI[name], ids] += score
                tl[TI[name + "_m"], ids] += score * responds
        tl[TI["effort"], ids] += E_end
        tl[TI["time"], ids] += end[W_TIME]
        tl[TI["frictions"], ids] += end[W_FR]
        tl[TI["switches"], ids] += end[W_SW]
        tl[TI["clv"], ids] += value * discount
        tl[TI["cost"], ids] += end[W_COST] * discount
        tl[len(TALLIES) + kind, np.arange(na) if isinstance(ids, slice) else ids] += 1
        # Retention: churn after the walk, then carry-over of the experience.
        s_new = s0 + m.carryover * (S_end - s0)
        if any_churn:
            u = rng.random(na)
            if m.sensitivity == 0:
                churned = churns & (u < theta)
            else:
                churned = churns & (logit(u) < logit_theta - m.sensitivity * (S_end - s0))
            if churned.any():
                keep = ~churned
                ids = np.nonzero(keep)[0] if isinstance(ids, slice) else ids[keep]
                seg, s0, churns = seg[keep], s_new[keep], churns[keep]
                theta, logit_theta = theta[keep], logit_theta[keep]
                continue
        s0 = s_new
    tl[TI["alive"], ids] = 1.0
    return tl, steps_total


def metric_defs(m):
    """name -> (numerator, denominator or None for a per-customer mean, scale)."""
    d = {"nps_true": (("prom", "-det"), "walks", 100.0),
         "nps_measured": (("prom_m", "-det_m"), "resp", 100.0)}
    for k in m.kinds:
        d["share_" + k] = (("kind:" + k,), "walks", 1.0)
    for name in ("csat", "ces"):
        if name in m.scales:
            d[name + "_true"] = ((name,), "walks", 1.0)
            d[name + "_measured"] = ((name + "_m",), "resp", 1.0)
    d.update({
        "effort_mean": (("effort",), "walks", 1.0),
        "time_mean": (("time",), "walks", 1.0),
        "frictions_mean": (("frictions",), "walks", 1.0),
        "switches_mean": (("switches",), "walks", 1.0),
        "steps_mean": (("steps",), "walks", 1.0),
        "satisfaction_change_mean": (("s_change",), "walks", 1.0),
        "satisfaction_end_mean": (("s_end",), "walks", 1.0),
        "walks_per_customer": (("walks",), None, 1.0),
        "retention_final": (("alive",), None, 1.0),
        "clv_mean": (("clv",), None, 1.0),
        "cost_mean": (("cost",), None, 1.0),
        "net_value_mean": (("clv", "-cost"), None, 1.0),
        "response_rate": (("resp",), "walks", 1.0),
    })
    return d


class Moments:
    """Sums over customers of y, w, y^2, w^2, y*w for each metric (blocks merge by addition)."""

    def __init__(self, m):
        self.defs = metric_defs(m)
        self.kinds = m.kinds
        self.n = 0
        self.s = {k: np.zeros(5) for k in self.defs}

    def add(self, tl):
        n = tl.shape[1]
        self.n += n
        ones = np.ones(n)

        def row(name):
            return tl[len(TALLIES) + self.kinds.index(name[5:])] if name.startswith("kind:") else tl[TI[name]]

        for name, (num, den, _) in self.defs.items():
            y = np.zeros(n)
            for term in num:
                y += -row(term[1:]) if term.startswith("-") else row(term)
            w = row(den) if den else ones
            self.s[name] += [y.sum(), w.sum(), (y * y).sum(), (w * w).sum(), (y * w).sum()]

    def results(self):
        out = {}
        n = self.n
        for name, (_, _, scale) in self.defs.items():
            sy, sw, syy, sww, syw = self.s[name]
            if sw == 0:
                out[name] = {"estimate": None, "se": None}
                continue
            r = sy / sw
            # Linearised residual y - r w (w = 1 for per-customer means): var(r) ~ sum(res^2) / (n (n-1) wbar^2).
            ss = max(0.0, syy - 2 * r * syw + r * r * sww)
            wbar = sw / n
            se = math.sqrt(ss / (n * (n - 1))) / wbar if n > 1 else math.nan
            out[name] = {"estimate": scale * r, "se": scale * se}
        return out


def run_peer(journey, customers, periods, seed, block):
    m = Model(journey)
    rng = np.random.default_rng(seed)
    mom = Moments(m)
    t0, c0 = time.perf_counter(), time.process_time()
    steps = 0
    walks = 0
    done = 0
    while done < customers:
        b = min(block, customers - done)
        tl, st = simulate_block(m, rng, b, periods)
        mom.add(tl)
        steps += st
        walks += int(tl[TI["walks"]].sum())
        done += b
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    metrics = mom.results()
    headline = ["share_" + k for k in m.kinds] + ["nps_true", "satisfaction_end_mean", "retention_final", "steps_mean"]
    return {
        "journey": m.name, "customers": customers, "periods": periods, "seed": seed, "block": block,
        "walks": walks, "steps": steps, "seconds": seconds, "cpu_seconds": cpu_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "headline": {k: metrics[k]["estimate"] for k in headline},
        "metrics": metrics,
    }


def default_cxsim():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("CXSIM", os.path.join(here, "..", "build", "bin", "cxsim"))


def check(args):
    """Run cxsim and the peer on the same inputs; print each shared metric, both values and z."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [args.cxsim, "run", args.journey, "-n", str(args.customers), "-p", str(args.periods), "-s",
               str(args.seed), "--json", "-q", "--no-analytics", "-o", os.path.join(tmp, "r.h5")]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        cx = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    peer = run_peer(args.journey, args.customers, args.periods, args.seed, args.block)
    summary = {r["metric"]: r for r in cx["variants"]["baseline"]["summary"]}
    print(f"{args.journey}: {args.customers} customers x {args.periods} periods; "
          f"walks cxsim {cx['walks']} peer {peer['walks']}")
    print(f"{'metric':<26} {'cxsim':>14} {'se':>10} {'peer':>14} {'se':>10} {'z':>7}")
    bad = []
    for name, p in peer["metrics"].items():
        c = summary.get(name)
        if c is None or c["estimate"] is None or p["estimate"] is None:
            if p["estimate"] is not None and c is None:
                print(f"{name:<26} {'-':>14} {'':>10} {p['estimate']:>14.6g} {p['se']:>10.3g}   (peer only)")
            continue
        se = math.hypot(c["se"], p["se"])
        diff = p["estimate"] - c["estimate"]
        z = diff / se if se > 0 else (0.0 if diff == 0 else math.inf)
        flag = "  <-- |z| > 4" if abs(z) > 4 else ""
        if flag:
            bad.append(name)
        print(f"{name:<26} {c['estimate']:>14.6g} {c['se']:>10.3g} {p['estimate']:>14.6g} {p['se']:>10.3g} "
              f"{z:>7.2f}{flag}")
    print("agree: every shared metric within 4 combined SE" if not bad else f"DISAGREE: {', '.join(bad)}")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("journey")
    ap.add_argument("-n", "--customers", type=int, default=None)
    ap.add_argument("-p", "--periods", type=int, default=None)
    ap.add_argument("-s", "--seed", type=int, default=1)
    ap.add_argument("--block", type=int, default=1 << 21,
                    help="customers vectorised at once (memory ~0.5 KB per customer; 32768 is the fastest measured; "
                         "default 2097152, i.e. usually the whole population)")
    ap.add_argument("--check", action="store_true", help="run cxsim too and compare the headline metrics (z)")
    ap.add_argument("--cxsim", default=default_cxsim(), help="cxsim binary for --check (default: $CXSIM or build/)")
    ap.add_argument("--threads", type=int, default=0, help="cxsim threads for --check (default: all)")
    args = ap.parse_args()
    try:
        if args.customers is None or args.periods is None:
            pop = Model(args.journey).population
            if args.customers is None:
                args.customers = int(pop.get("customers", 200000 if args.check else 10000))
            if args.periods is None:
                args.periods = int(pop.get("periods", 12 if args.check else 1))
        if args.check:
            return check(args)
        print(json.dumps(run_peer(args.journey, args.customers, args.periods, args.seed, args.block), indent=1))
        return 0
    except Unsupported as e:
        print(f"{args.journey}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
