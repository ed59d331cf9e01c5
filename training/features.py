"""CSV reading, 300 s grid binning and tensor building shared by train, export and evaluate.

Everything the TypeScript runner must reproduce lives here (binning, time features, the forecast
origin rule); the scaling is inside the model graph so it cannot drift between the two languages.
"""
import csv
import math
import os
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

STEP = 300  # seconds per grid step
METRICS = ["cpu_percent", "memory_percent", "disk_percent", "load_average"]
PROFILES = ["unknown", "ml_compute", "database", "web_api", "conductor_mgmt", "data_ingest",
            "risk_analytics", "generic"]
PREFIX_PROFILE = {"ppml": "ml_compute", "ppdb": "database", "ppweb": "web_api", "ppcon": "conductor_mgmt",
                  "ppetl": "data_ingest", "pprisk": "risk_analytics", "ppgen": "generic"}
VALUE_RANGES = {"cpu_percent": [0.0, 100.0], "memory_percent": [0.0, 100.0],
                "disk_percent": [0.0, 100.0], "load_average": [0.0, None]}
N_TIME = 5  # sin/cos time of day, sin/cos day of week, relative position


def profile_index(server_name, profile=None):
    """Profile column wins; else the server-name prefix; else 0 = unknown."""
    if profile:
        return PROFILES.index(profile) if profile in PROFILES else 0
    name = server_name.lower()
    # longest prefix first so 'pprisk' is not shadowed by a shorter one
    for prefix in sorted(PREFIX_PROFILE, key=len, reverse=True):
        if name.startswith(prefix):
            return PROFILES.index(PREFIX_PROFILE[prefix])
    return 0


def parse_time(s):
    """ISO 8601 -> UTC epoch seconds (float)."""
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def format_time(epoch):
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Series:
    """One server on the 300 s grid. values is 0 where mask is 0 (never invented)."""
    name: str
    profile: int
    t0: int              # start epoch of bucket 0
    values: np.ndarray   # [T, 4] float32
    mask: np.ndarray     # [T, 4] float32, 1 = observed
    real: bool = False   # a real machine's trace (the staged corpus), not the generator or wild.py
    held_out: bool = False  # validation only, never a training window (train.py's split by series)

    def __len__(self):
        return len(self.values)


def bin_records(name, records, profile):
    """records: iterable of (epoch_seconds, [4 values or None]).

    bucket = floor(t/300)*300; value = mean of the observed samples in the bucket (float64, then
    float32); an empty bucket is missing. The grid runs from the first to the last bucket that holds
    at least one observed value. Returns None when nothing was observed.
    """
    sums, counts = {}, {}
    for t, vals in records:
        b = int(math.floor(t / STEP)) * STEP
        for m, v in enumerate(vals):
            if v is None:
                continue
            s = sums.setdefault(b, [0.0] * 4)
            c = counts.setdefault(b, [0] * 4)
            s[m] += v
            c[m] += 1
    if not sums:
        return None
    first, last = min(sums), max(sums)
    n = (last - first) // STEP + 1
    values = np.zeros((n, 4), np.float64)
    mask = np.zeros((n, 4), np.float32)
    for b, s in sums.items():
        i = (b - first) // STEP
        for m in range(4):
            if counts[b][m]:
                values[i, m] = s[m] / counts[b][m]
                mask[i, m] = 1.0
    return Series(name, profile, first, values.astype(np.float32), mask)


def _cell(x):
    x = x.strip() if x is not None else ""
    return float(x) if x != "" else None


def read_csv(path):
    """One contract CSV -> list of Series (one per server_name)."""
    raw, prof = {}, {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            name = row["server_name"]
            raw.setdefault(name, []).append((parse_time(row["timestamp"]), [_cell(row.get(m)) for m in METRICS]))
            if row.get("profile"):
                prof[name] = row["profile"]
    out = []
    for name, recs in raw.items():
        s = bin_records(name, recs, profile_index(name, prof.get(name)))
        if s is not None:
            out.append(s)
    return out


def csv_files(paths):
    """Expand files and directories (all *.csv inside, sorted) into a file list."""
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".csv"))
        else:
            files.append(p)
    return files


def load_series(paths):
    series = []
    for f in csv_files(paths):
        series += read_csv(f)
    return series


# ---------------------------------------------------------------------------------------------
# Known time features. Computed in float64, stored float32 (the TypeScript side does the same).

def time_features(t, pos, L, H):
    """t: step START epochs, pos: position index in 0..L+H-1 (encoder 0..L-1, decoder L..L+H-1).

    [sin(2pi tod), cos(2pi tod), sin(2pi dow/7), cos(2pi dow/7), (pos - L)/H]
    tod = (t mod 86400)/86400, dow = (floor(t/86400) + 3) mod 7 (0 = Monday).
    """
    t = np.asarray(t, np.float64)
    tod = np.mod(t, 86400.0) / 86400.0
    dow = np.mod(np.floor(t / 86400.0) + 3.0, 7.0)
    rel = (np.asarray(pos, np.float64) - L) / H
    rel = np.broadcast_to(rel, t.shape)
    f = np.stack([np.sin(2 * np.pi * tod), np.cos(2 * np.pi * tod),
                  np.sin(2 * np.pi * dow / 7), np.cos(2 * np.pi * dow / 7), rel], -1)
    return f.astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Windows. A window is (series, origin index o, encoder length n): the encoder covers buckets
# o-n+1..o (left-padded to L), the decoder buckets o+1..o+H.

class WindowStore:
    """All series concatenated with L rows of padding before and H after each one, so a batch of
    windows is a single fancy-index gather (fast enough to build batches in the training loop)."""

    def __init__(self, series, L, H):
        self.series, self.L, self.H = series, L, H
        vals, masks, times, self.base = [], [], [], []
        off = 0
        for s in series:
            T = len(s)
            v = np.zeros((L + T + H, 4), np.float32)
            m = np.zeros((L + T + H, 4), np.float32)
            v[L:L + T], m[L:L + T] = s.values, s.mask
            vals.append(v)
            masks.append(m)
            times.append(s.t0 + STEP * np.arange(-L, T + H, dtype=np.float64))
            self.base.append(off + L)  # row of bucket 0
            off += L + T + H
        self.values = np.concatenate(vals)
        self.mask = np.concatenate(masks)
        self.times = np.concatenate(times)
        self.base = np.asarray(self.base, np.int64)
        self.profiles = np.asarray([s.profile for s in series], np.int64)
        # cyclic time features per row; rel depends only on position so it is added per window
        self.cyc = time_features(self.times, self.L, L, H)[:, :4]

    def batch(self, sid, origin, enc_len):
        """sid, origin, enc_len: int arrays [B]. Returns a dict of numpy model inputs + targets."""
        L, H = self.L, self.H
        sid, origin, enc_len = (np.asarray(a, np.int64) for a in (sid, origin, enc_len))
        start = self.base[sid] + origin - L + 1
        idx = start[:, None] + np.arange(L + H)[None, :]            # [B, L+H]
        pos = np.arange(L + H)
        valid = (pos[None, :L] >= (L - enc_len)[:, None]).astype(np.float32)[..., None]
        pv = self.values[idx[:, :L]] * valid
        pm = self.mask[idx[:, :L]] * valid
        rel = ((pos - L) / H).astype(np.float32)
        tf = np.concatenate([self.cyc[idx], np.broadcast_to(rel[None, :, None], idx.shape + (1,))], -1)
        return {
            "past_values": pv.astype(np.float32),
            "past_mask": pm.astype(np.float32),
            "encoder_length": enc_len,
            "past_time": np.ascontiguousarray(tf[:, :L]),
            "future_time": np.ascontiguousarray(tf[:, L:]),
            "profile": self.profiles[sid],
            "target": self.values[idx[:, L:]],
            "target_mask": self.mask[idx[:, L:]],
        }


INPUT_NAMES = ["past_values", "past_mask", "encoder_length", "past_time", "future_time", "profile"]


def forecast_origin(series):
    """The rule the runner must follow: the origin is the last bucket with at least one observed
    value (the grid already ends there) and the encoder takes up to L buckets ending at it."""
    return len(series) - 1


def window_from_history(name, records, profile_name, L, H):
    """Raw history (as the runner holds it) -> model inputs for one forecast. Returns (inputs, origin
    epoch) or None when nothing was observed."""
    s = bin_records(name, records, profile_index(name, profile_name))
    if s is None:
        return None
    o = forecast_origin(s)
    n = min(L, o + 1)
    b = WindowStore([s], L, H).batch([0], [o], [n])
    for k in ("target", "target_mask"):
        b.pop(k)
    return b, s.t0 + STEP * o
