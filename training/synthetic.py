"""Tiny synthetic fleet (daily sine + noise) in the CSV contract layout, for tests and --smoke
when the real generator export is not at hand. Not training data for a shipped model."""
import csv
import math
import random

from features import METRICS, PROFILES, format_time

PREFIXES = ["ppml", "ppdb", "ppweb", "ppcon", "ppetl", "pprisk", "ppgen", "host"]


def synthetic_records(name_idx, days, seed, start=1736121600, irregular=False):
    """One server's rows: (epoch, [cpu, mem, disk, load] with None = not measured)."""
    rng = random.Random(seed * 1000 + name_idx)
    base = [rng.uniform(10, 60), rng.uniform(20, 70), rng.uniform(20, 80), rng.uniform(0.5, 4)]
    amp = [rng.uniform(5, 25), rng.uniform(2, 10), 0.0, rng.uniform(0.2, 2)]
    phase = rng.uniform(0, 2 * math.pi)
    rows, t = [], start
    while t < start + days * 86400:
        day = 2 * math.pi * (t % 86400) / 86400 + phase
        trend = (t - start) / 86400 * 0.3  # disk slowly fills
        v = [base[0] + amp[0] * math.sin(day) + rng.gauss(0, 3),
             base[1] + amp[1] * math.sin(day + 1) + rng.gauss(0, 1),
             base[2] + trend + rng.gauss(0, 0.2),
             base[3] + amp[3] * math.sin(day) + rng.gauss(0, 0.2)]
        v = [min(100.0, max(0.0, x)) for x in v[:3]] + [max(0.0, v[3])]
        v = [None if rng.random() < 0.02 else round(x, 4) for x in v]  # sparse blanks
        rows.append((t, v))
        if irregular:
            t += rng.choice([0, 300, 300, 300, 300, 600, 900]) + rng.randint(-20, 20)
            if rng.random() < 0.002:
                t += 86400  # a day-long outage
        else:
            t += 300
    return rows


def write_csv(path, n_servers=6, days=6, seed=0, irregular=False, extras=True):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "server_name"] + METRICS + (["status", "profile", "scenario", "incident"] if extras else []))
        for i in range(n_servers):
            k = i % len(PREFIXES)
            name = f"{PREFIXES[k]}-{i:03d}"
            prof = PROFILES[k + 1] if k + 1 < len(PROFILES) else ""  # 'host' has no profile
            for t, v in synthetic_records(i, days, seed, irregular=irregular):
                cells = ["" if x is None else x for x in v]
                w.writerow([format_time(t), name] + cells + (["ok", prof, "baseline", ""] if extras else []))
    return path
