"""Wild series: real-world-shaped host metrics to train next to the generator fleet.

The generator's fleet is smooth, seasonal and mid-range. Real traces (AWS CloudWatch, Bitbrains)
are not: hosts idle at 0.1 % cpu for days, flip between ~0 % and ~100 %, sit at a plateau with
white noise, spike for ten minutes, or shift level and stay there. A model that has only seen the
generator mean-reverts through all of that and is beaten by persistence. These series are drawn
from a few such processes with wide, random parameters (no profile: the name carries none), so
the model learns when the last value is the best bet and how wide the band must be.

Pure numpy and seeded; nothing here is fitted to, or read from, the real traces.
"""
import numpy as np

from features import STEP, Series

DAY = 86400 // STEP  # steps per day


def loguniform(rng, lo, hi):
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def regime_path(rng, T, levels, mean_hold):
    """Piecewise level path: hold a level for a geometric time, then jump or ramp to another."""
    out = np.empty(T)
    i, cur = 0, rng.integers(len(levels))
    while i < T:
        hold = max(1, int(rng.geometric(1.0 / mean_hold)))
        nxt = cur if len(levels) == 1 else rng.choice([k for k in range(len(levels)) if k != cur])
        end = min(T, i + hold)
        out[i:end] = levels[cur]
        if rng.random() < 0.3 and end < T:  # a ramp instead of a jump
            r = min(T - end, int(rng.integers(2, 37)))
            out[end:end + r] = np.linspace(levels[cur], levels[nxt], r + 2)[1:-1]
            end += r
        i, cur = end, nxt
    return out


def ar1(rng, T, phi, sd):
    e = rng.normal(0.0, sd * np.sqrt(1 - phi * phi), T)
    x = np.empty(T)
    x[0] = rng.normal(0.0, sd)
    for t in range(1, T):
        x[t] = phi * x[t - 1] + e[t]
    return x


def daily_shape(rng, tod, dow):
    """A daily cycle: a sine, or a business-hours bump that may skip weekends."""
    phase = rng.uniform(0, 2 * np.pi)
    if rng.random() < 0.5:
        return np.sin(2 * np.pi * tod + phase)
    start, width = rng.uniform(0.25, 0.45), rng.uniform(0.2, 0.45)
    bump = ((tod - start) % 1.0 < width).astype(float)
    if rng.random() < 0.5:
        bump *= dow < 5
    return bump


def spikes(rng, T, per_day):
    """Short bursts: start times Poisson, 1..12 steps long, heavy-tailed height in [0, 1]."""
    out = np.zeros(T)
    for s in rng.integers(0, T, rng.poisson(per_day * T / DAY)):
        d = min(12, int(rng.geometric(0.4)))
        out[s:s + d] = np.maximum(out[s:s + d], min(1.0, rng.pareto(1.5) * 0.1 + 0.05))
    return out


def percent_series(rng, T, tod, dow, kind):
    """One bounded 0..100 series. kind 'cpu' is burstier, 'memory' slower."""
    cpu = kind == "cpu"
    if cpu and rng.random() < 0.15:  # on/off host: idle near 0, busy near 100
        levels = [loguniform(rng, 0.05, 5), rng.uniform(50, 100)]
        mean_hold = loguniform(rng, 6, 3 * DAY)
    else:
        n = int(rng.integers(1, 4))
        # idle hosts are common, but busy ones carry most of the load (and of the loss)
        centre = loguniform(rng, 0.05, 95) if rng.random() < 0.4 else rng.uniform(2, 95)
        levels = [float(np.clip(centre * loguniform(rng, 0.4, 2.5), 0.02, 99)) for _ in range(n)]
        mean_hold = loguniform(rng, 12, 10 * DAY) if cpu else loguniform(rng, 2 * DAY, 30 * DAY)
    x = regime_path(rng, T, levels, mean_hold)
    lvl = float(np.mean(levels))
    if rng.random() < 0.5:
        x = x + rng.uniform(0.05, 0.6) * lvl * daily_shape(rng, tod, dow)
    if not cpu and rng.random() < 0.2:  # a leak: linear climb, reset at a random ceiling
        rate = loguniform(rng, 0.5, 20) / DAY
        top = lvl + rng.uniform(5, max(6.0, 100 - lvl))
        x = x + np.mod(np.arange(T) * rate, max(1.0, top - lvl))
    noise_sd = lvl * loguniform(rng, 0.01, 0.5) + loguniform(rng, 0.005, 0.5)
    x = x + ar1(rng, T, rng.uniform(0.0, 0.97), noise_sd)
    if cpu and rng.random() < 0.6:
        x = x + spikes(rng, T, loguniform(rng, 0.2, 20)) * rng.uniform(20, 100)
    x = np.clip(x, 0.0, 100.0)
    if rng.random() < 0.3:
        x = np.round(x, int(rng.integers(0, 3)))
    return x


def wild_series(idx, days, seed, t0=1388534400):
    """One host: cpu always; memory, disk, load sometimes (as real collectors vary)."""
    rng = np.random.default_rng([seed, idx])
    T = days * DAY
    start = t0 + int(rng.integers(0, 365)) * 86400 + int(rng.integers(0, DAY)) * STEP
    t = start + STEP * np.arange(T)
    tod, dow = (t % 86400) / 86400.0, ((t // 86400) + 3) % 7  # 1970-01-01 was a Thursday
    values = np.zeros((T, 4))
    mask = np.zeros((T, 4), np.float32)
    values[:, 0], mask[:, 0] = percent_series(rng, T, tod, dow, "cpu"), 1
    if rng.random() < 0.7:
        values[:, 1], mask[:, 1] = percent_series(rng, T, tod, dow, "memory"), 1
    if rng.random() < 0.3:  # disk: slow fill with occasional clean-ups
        rate = loguniform(rng, 0.01, 3) / DAY
        fill = np.cumsum(rng.exponential(rate, T))
        for c in rng.integers(0, T, rng.poisson(T / DAY / 7)):
            fill[c:] -= fill[c] * rng.uniform(0.2, 0.9)
        values[:, 2] = np.clip(rng.uniform(5, 80) + fill + rng.normal(0, 0.05, T), 0, 100)
        mask[:, 2] = 1
    if rng.random() < 0.3:  # load follows cpu on a random core count
        cores = float(rng.choice([1, 2, 4, 8, 16]))
        values[:, 3] = np.maximum(0, values[:, 0] / 100 * cores * rng.uniform(0.6, 1.4)
                                  + ar1(rng, T, 0.8, 0.05 * cores))
        mask[:, 3] = 1
    # collectors drop samples and whole spans
    mask *= (rng.random((T, 1)) > rng.uniform(0, 0.03))
    for _ in range(rng.poisson(1.0)):
        s = int(rng.integers(0, T))
        mask[s:s + int(rng.integers(1, DAY))] = 0
    values = (values * mask).astype(np.float32)
    return Series(f"wild-{seed}-{idx:04d}", 0, int(start), values, mask)


def wild_fleet(n, days, seed):
    return [wild_series(i, days, seed) for i in range(n)]
