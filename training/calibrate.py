"""Conformal calibration of the p10 / p90 band per horizon step and metric, on the TRAINING data's
validation split (the same generator, wild and real series and the same split as train.py; never on
the evaluation set, ../shared/data/real).

  /usr/bin/python3 training/calibrate.py --ckpt training/runs/m3/best.pt --out training/runs/m3/calibrated.pt --by_profile

For every observed validation target it takes the ratio of the error beyond p50 to the model's own
offset, r_lo = (p50 - y) / (p50 - p10) and r_hi = (y - p50) / (p90 - p50), pools them over a few
neighbouring horizon steps, and sets the factor c so that 10 % of the pooled ratios lie beyond it
(split-conformal scaling: then p50 - c_lo (p50 - p10) is exceeded downwards 10 % of the time, and
likewise upwards). The factors [H, 4, 2] become the model's q_cal buffer (TFTConfig.calibrated), so
export.py folds them into the ONNX graph as constants; p50 does not move and the quantiles stay
ordered. The checkpoint written carries the factors and the validation coverage before / after.

With --by_profile the factors are fitted twice, [2, H, 4, 2]: on the windows of servers without a
known profile (the wild series and real machines) and on those with one (the generator fleet), and the graph picks a
row's set by its profile input: pooled, the wild series' erratic disks widened the band of the
fleet's steady disks too.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import sys
from dataclasses import asdict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import features as ft
import train
from model import TFT, TFTConfig

BUCKETS = [(1, 6), (7, 24), (25, 96)]  # the backtest's 0-30 min, 30 min-2 h, 2-8 h


def coverage_table(pred, y, m):
    """share of observed targets inside [p10, p90] per metric and bucket (None when unobserved)."""
    inside = (y >= pred[..., 0]) & (y <= pred[..., 2])
    out = {}
    for k, name in enumerate(ft.METRICS):
        row = {}
        for a, b in BUCKETS + [(1, 96)]:
            mm = m[:, a - 1:b, k]
            row[f"h{a}-{b}"] = float((inside[:, a - 1:b, k] * mm).sum() / mm.sum()) if mm.sum() else None
        out[name] = row
    return out


def conformal_factors(pred, y, m, q=0.9, window=2, lo=0.1, hi=3.0):
    """[H, 4, 2] factors for the (p50-p10, p90-p50) offsets; pooled over steps h-window..h+window."""
    H = pred.shape[1]
    d_lo = np.maximum(pred[..., 1] - pred[..., 0], 1e-6)
    d_hi = np.maximum(pred[..., 2] - pred[..., 1], 1e-6)
    r = np.stack([(pred[..., 1] - y) / d_lo, (y - pred[..., 1]) / d_hi], -1)   # [N, H, 4, 2]
    f = np.ones((H, 4, 2), np.float32)
    n_used = np.zeros((H, 4), np.int64)
    for h in range(H):
        sl = slice(max(0, h - window), min(H, h + window + 1))
        for k in range(4):
            ok = m[:, sl, k] > 0
            if ok.sum() < 200:
                continue  # a metric (almost) never observed keeps factor 1
            for s in range(2):
                f[h, k, s] = np.quantile(r[:, sl, k, s][ok], q)
            n_used[h, k] = int(ok.sum())
    return np.clip(f, lo, hi), n_used


def predict(model, store, windows, bs=256):
    sid, orig, n = windows
    preds, ys, ms = [], [], []
    with torch.no_grad():
        for i in range(0, len(sid), bs):
            b = train.to_torch(store.batch(sid[i:i + bs], orig[i:i + bs], n[i:i + bs]))
            preds.append(model(*train.model_inputs(b))[0].numpy())
            ys.append(b["target"].numpy())
            ms.append(b["target_mask"].numpy())
    return np.concatenate(preds), np.concatenate(ys), np.concatenate(ms)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", required=True)
    p.add_argument("--out", required=True, help="calibrated checkpoint to write")
    p.add_argument("--val_stride", type=int, default=12, help="origin stride on the validation split (train.py uses 48)")
    p.add_argument("--window", type=int, default=2, help="pool the ratios over steps h-window..h+window")
    p.add_argument("--by_profile", action="store_true",
                   help="separate factors for servers without a known profile (wild series) and with one (generator fleet)")
    a = p.parse_args(argv)
    torch.set_num_threads(1)

    ck = torch.load(a.ckpt, map_location="cpu")
    mcfg = dict(ck["model_config"], calibrated=True, calibration_groups=2 if a.by_profile else 1)
    model = TFT(TFTConfig.from_dict(mcfg)).eval()
    missing, unexpected = model.load_state_dict(ck["model"], strict=False)
    assert not unexpected and set(missing) <= {"q_cal"}, (missing, unexpected)
    with torch.no_grad():
        model.q_cal.fill_(1.0)

    tcfg = train.checkpoint_config(ck["train_config"])
    tcfg.val_stride = a.val_stride
    series, _ = train.training_series(tcfg)
    store = ft.WindowStore(series, tcfg.max_encoder_length, tcfg.horizon)
    windows = train.val_windows(store, tcfg)
    print(f"validation split: {len(series)} series, {len(windows[0])} windows (stride {a.val_stride})")

    pred, y, m = predict(model, store, windows)
    # group 0: no known profile (the wild series, like the real traces); group 1: the generator fleet
    group = (store.profiles[windows[0]] > 0).astype(np.int64) if a.by_profile else np.zeros(len(windows[0]), np.int64)
    names = ["profile unknown", "profile known"] if a.by_profile else ["all"]
    factors = []
    for g, gname in enumerate(names):
        f, _ = conformal_factors(pred[group == g], y[group == g], m[group == g], window=a.window)
        factors.append(f)
    f = np.stack(factors) if a.by_profile else factors[0]
    with torch.no_grad():
        model.q_cal.copy_(torch.from_numpy(f))
    pred2, _, _ = predict(model, store, windows)
    before, after = {}, {}
    for g, gname in enumerate(names):
        sel = group == g
        before[gname] = coverage_table(pred[sel], y[sel], m[sel])
        after[gname] = coverage_table(pred2[sel], y[sel], m[sel])
        fg = factors[g]
        print(f"{gname}: {int(sel.sum())} windows")
        for name in ft.METRICS:
            k = ft.METRICS.index(name)
            print(f"  {name:15s} coverage before " + " ".join(f"{h} {v:.3f}" for h, v in before[gname][name].items() if v is not None)
                  + " | after " + " ".join(f"{h} {v:.3f}" for h, v in after[gname][name].items() if v is not None))
            print(f"  {'':15s} factors p10 {fg[:, k, 0].min():.2f}..{fg[:, k, 0].max():.2f}"
                  f"  p90 {fg[:, k, 1].min():.2f}..{fg[:, k, 1].max():.2f}")
    if not a.by_profile:
        before, after = before["all"], after["all"]

    ck["model"] = model.state_dict()
    ck["model_config"] = asdict(model.cfg)
    ck["calibration"] = {
        "data": "validation split of the training data (train.py's split: the last "
                f"{tcfg.val_fraction:.0%} of every generator and wild series by time, "
                f"{sum(s.held_out for s in series)} real series held out whole), origins every {a.val_stride} steps, "
                f"{len(windows[0])} windows; the evaluation set (data/real) is not used",
        "method": f"split-conformal scaling of the p50-p10 and p90-p50 offsets per horizon step and metric"
                  + (" and profile group (unknown / known)" if a.by_profile else "") + ": "
                  f"factor = 90th percentile of error/offset, pooled over steps h-{a.window}..h+{a.window}, "
                  "clipped to [0.1, 3]",
        "coverage_before": before, "coverage_after": after,
        "factors": f.tolist(),
    }
    ck["uncalibrated_checkpoint"] = os.path.relpath(a.ckpt)
    torch.save(ck, a.out)
    print(f"wrote {a.out}")
    return a.out


if __name__ == "__main__":
    main()
