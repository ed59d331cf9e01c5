"""Evaluate a checkpoint on held-out CSVs against persistence and seasonal-naive baselines.

  /usr/bin/python3 training/evaluate.py --ckpt training/runs/m3/calibrated.pt --data data/gen/holdout.csv \
      --out training/runs/m3/eval_holdout.json

Rolling origins every --stride steps on every series. The first --calib_frac of each series' origins
(by time) only calibrate the baselines' p10/p90 (empirical residual quantiles per series, metric and
horizon step; p50 = the point forecast); all methods are scored on the remaining origins.
Metric: weighted quantile loss (q-risk, TFT paper) 2*sum(pinball_q)/sum|y| averaged over q=0.1/0.5/0.9,
per metric; 'overall' = mean over the metrics present. All forecasts are clipped to the value ranges
(the runner does the same). Coverage = share of observed targets inside [p10, p90].
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import sys
import time
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import features as ft
from export import load_model
from model import QUANTILES
from train import TrainConfig, sha256

SEASON = 288  # 24 h of 300 s steps
METHODS = ["tft", "persistence", "seasonal_naive"]
BANDS = [(1, 12), (13, 48), (49, 96)]


def ffill(values, mask):
    """Last observed value at or before each step (0 before the first observation)."""
    idx = np.where(mask > 0, np.arange(len(values))[:, None], -1)
    idx = np.maximum.accumulate(idx, axis=0)
    return np.where(idx >= 0, values[np.maximum(idx, 0), np.arange(values.shape[1])], 0.0)


def clip(x):
    lo = np.array([r[0] for r in ft.VALUE_RANGES.values()], np.float32)
    hi = np.array([r[1] if r[1] is not None else np.inf for r in ft.VALUE_RANGES.values()], np.float32)
    return np.clip(x, lo[:, None], hi[:, None])  # x [..., 4, 3]


def baseline_points(s, origins, H):
    """Persistence and seasonal-naive point forecasts [N, H, 4] for one series."""
    last = ffill(s.values, s.mask)
    pers = np.repeat(last[origins][:, None], H, 1)
    t = origins[:, None] + 1 + np.arange(H)[None] - SEASON                     # [N, H]
    ok = t >= 0
    tt = np.maximum(t, 0)
    seas = np.where(ok[..., None] & (s.mask[tt] > 0), s.values[tt], pers)
    return {"persistence": pers, "seasonal_naive": seas}


def with_residual_quantiles(point, y, m, calib):
    """p10/p90 = point + empirical 10 %/90 % residual quantiles over the calibration origins."""
    r = np.where(m[calib] > 0, y[calib] - point[calib], np.nan)                 # [Nc, H, 4]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # all-NaN slices (a metric never observed) give NaN -> 0
        lo = np.nan_to_num(np.nanquantile(r, 0.1, axis=0))
        hi = np.nan_to_num(np.nanquantile(r, 0.9, axis=0))
    return np.stack([point + np.minimum(lo, 0), point, point + np.maximum(hi, 0)], -1)


def scores(pred, y, m):
    """pred [N,H,4,3], y/m [N,H,4] -> per metric wQL, p50 wQL, coverage and horizon bands."""
    q = np.array(QUANTILES)
    e = y[..., None] - pred
    pin = np.maximum(q * e, (q - 1) * e) * m[..., None]                         # [N,H,4,3]
    absy = (np.abs(y) * m).sum((0, 1))                                            # [4]
    out = {}
    for k, name in enumerate(ft.METRICS):
        n = m[..., k].sum()
        if n == 0 or absy[k] == 0:
            continue
        ql = 2 * pin[..., k, :].sum((0, 1)) / absy[k]                              # per quantile
        inside = ((y[..., k] >= pred[..., k, 0]) & (y[..., k] <= pred[..., k, 2])) * m[..., k]
        bands = {}
        for a, b in BANDS:
            sl = slice(a - 1, b)
            den = (np.abs(y[:, sl, k]) * m[:, sl, k]).sum()
            bands[f"h{a}-{b}"] = float((2 * pin[:, sl, k, :].sum((0, 1)) / max(den, 1e-9)).mean())
        out[name] = {"wql": float(ql.mean()), "wql_by_quantile": ql.tolist(), "coverage_p10_p90": float(inside.sum() / n),
                     "n_targets": int(n), "wql_by_horizon": bands}
    mets = list(out)
    out["overall"] = {"wql": float(np.mean([out[k]["wql"] for k in mets])),
                      "coverage_p10_p90": float(np.mean([out[k]["coverage_p10_p90"] for k in mets])),
                      "wql_by_horizon": {b: float(np.mean([out[k]["wql_by_horizon"][b] for k in mets]))
                                         for b in out[mets[0]]["wql_by_horizon"]}}
    return out


@torch.no_grad()
def model_predict(model, store, sid, orig, bs=256):
    L = model.cfg.max_encoder_length
    n = np.minimum(L, orig + 1)
    outs = []
    for i in range(0, len(sid), bs):
        b = store.batch(sid[i:i + bs], orig[i:i + bs], n[i:i + bs])
        outs.append(model(*[torch.from_numpy(np.ascontiguousarray(b[k])) for k in ft.INPUT_NAMES])[0].numpy())
    return np.concatenate(outs)


def evaluate(ckpt, data, stride=36, calib_frac=0.3, max_series=None):
    model, ck = load_model(ckpt)
    L, H = model.cfg.max_encoder_length, model.cfg.horizon
    files = ft.csv_files(data)
    series = ft.load_series(files)[:max_series]
    store = ft.WindowStore(series, L, H)
    preds = {k: [] for k in METHODS}
    ys, ms = [], []
    n_cal = n_test = 0
    t0 = time.time()
    for i, s in enumerate(series):
        origins = np.arange(max(L, SEASON) - 1, len(s) - H - 1, stride)
        if len(origins) < 4:
            continue
        idx = origins[:, None] + 1 + np.arange(H)[None]
        y, m = s.values[idx], s.mask[idx]
        calib = np.arange(len(origins)) < int(len(origins) * calib_frac)
        test = ~calib
        pts = baseline_points(s, origins, H)
        p = {"tft": model_predict(model, store, np.full(test.sum(), i), origins[test])}
        for k, v in pts.items():
            p[k] = with_residual_quantiles(v, y, m, calib)[test]
        for k in METHODS:
            preds[k].append(clip(p[k]))
        ys.append(y[test])
        ms.append(m[test])
        n_cal += int(calib.sum())
        n_test += int(test.sum())
    y, m = np.concatenate(ys), np.concatenate(ms)
    res = {k: scores(np.concatenate(preds[k]), y, m) for k in METHODS}
    return {
        "checkpoint": os.path.relpath(ckpt), "model_step": ck["step"],
        "data": [{"path": os.path.relpath(f), "sha256": sha256(f)} for f in files],
        "n_series": len(series), "stride": stride, "calib_frac": calib_frac,
        "n_origins_calibration": n_cal, "n_origins_scored": n_test,
        "metric": "wQL = 2*sum(pinball)/sum|y| averaged over q=0.1,0.5,0.9; overall = mean over metrics present",
        "baseline_quantiles": "p50 = point forecast; p10/p90 = point + per-series/metric/horizon 10%/90% residual "
                              "quantiles from the calibration origins",
        "seconds": round(time.time() - t0, 1), "results": res,
    }


def markdown(r):
    res = r["results"]
    rows = [k for k in res["tft"] if k != "overall"] + ["overall"]
    lines = ["| metric | TFT wQL | persistence wQL | seasonal-naive wQL | TFT vs persistence | TFT vs seasonal-naive "
             "| p10-p90 coverage TFT / pers. / s-naive |",
             "|---|---|---|---|---|---|---|"]
    for k in rows:
        a, b, c = (res[mm][k]["wql"] for mm in METHODS)
        cov = " / ".join(f"{res[mm][k]['coverage_p10_p90']:.0%}" for mm in METHODS)
        lines.append(f"| {k} | {a:.4f} | {b:.4f} | {c:.4f} | {1 - a / b:+.1%} | {1 - a / c:+.1%} | {cov} |")
    lines += ["", "| overall wQL by horizon | " + " | ".join(res["tft"]["overall"]["wql_by_horizon"]) + " |",
              "|---|" + "---|" * len(res["tft"]["overall"]["wql_by_horizon"])]
    for mm in METHODS:
        lines.append(f"| {mm} | " + " | ".join(f"{v:.4f}" for v in res[mm]["overall"]["wql_by_horizon"].values()) + " |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs", TrainConfig.run_name,
                                                  "calibrated.pt"))
    p.add_argument("--data", nargs="+", default=["data/gen/holdout.csv"])
    p.add_argument("--stride", type=int, default=36)
    p.add_argument("--calib_frac", type=float, default=0.3)
    p.add_argument("--max_series", type=int)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", help="write the JSON here")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    r = evaluate(a.ckpt, a.data, a.stride, a.calib_frac, a.max_series)
    r["command"] = "/usr/bin/python3 training/evaluate.py " + " ".join(sys.argv[1:] if argv is None else argv)
    print(f"{r['n_series']} series, {r['n_origins_scored']} scored origins (+{r['n_origins_calibration']} for "
          f"baseline calibration), stride {r['stride']}, {r['seconds']}s\n")
    print(markdown(r))
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f:
            json.dump(r, f, indent=2)
        print(f"\nwrote {a.out}")
    return r


if __name__ == "__main__":
    main()
