"""Export a checkpoint to ONNX + metadata.json + golden.json (parity vectors for the TS runner).

  /usr/bin/python3 training/export.py --ckpt training/runs/m3/calibrated.pt --version 3.0.0
  /usr/bin/python3 training/export.py --smoke        # training/runs/smoke/best.pt -> training/runs/smoke/export

The network's shape comes from the checkpoint (train.py saves its config in it).
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import sys
import warnings
from datetime import datetime, timezone

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import features as ft
from model import ENCODER_VARS, OUTPUT_NAMES, QUANTILES, STATIC_VARS, TFT, TFTConfig
from synthetic import synthetic_records
from train import TrainConfig

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 17


def load_model(ckpt_path):
    ck = torch.load(ckpt_path, map_location="cpu")
    model = TFT(TFTConfig.from_dict(ck["model_config"]))
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck


def run(model, inputs):
    with torch.no_grad():
        outs = model(*[torch.from_numpy(np.ascontiguousarray(inputs[k])) for k in ft.INPUT_NAMES])
    return {n: o.numpy() for n, o in zip(OUTPUT_NAMES, outs)}


def export_onnx(model, path):
    L, H = model.cfg.max_encoder_length, model.cfg.horizon
    B = 2
    dummy = (torch.zeros(B, L, 4), torch.ones(B, L, 4), torch.full((B,), L, dtype=torch.int64),
             torch.zeros(B, L, ft.N_TIME), torch.zeros(B, H, ft.N_TIME), torch.zeros(B, dtype=torch.int64))
    axes = {n: {0: "batch"} for n in ft.INPUT_NAMES + OUTPUT_NAMES}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TracerWarnings about shape constants are expected
        torch.onnx.export(model, dummy, path, input_names=ft.INPUT_NAMES, output_names=OUTPUT_NAMES,
                          dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)
    m = onnx.load(path)
    # the tracer loses the static output dims behind a reshape; state them for the runner's sake
    shapes = {"quantiles": [H, 4, len(QUANTILES)], "encoder_weights": [len(ENCODER_VARS)],
              "decoder_weights": [len(model.decoder_vars)], "static_weights": [len(STATIC_VARS)]}
    for o in m.graph.output:
        for dim, n in zip(o.type.tensor_type.shape.dim[1:], shapes[o.name]):
            dim.dim_value = n
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)
    return m


# ---------------------------------------------------------------------------------------------
# golden vectors

def tensor(a):
    a = np.asarray(a)
    if a.dtype == np.int64:
        return {"dtype": "int64", "shape": list(a.shape), "data": [int(x) for x in a.ravel()]}
    # float32 values written as the exact double they equal, so parsing is lossless
    return {"dtype": "float32", "shape": list(a.shape), "data": [float(x) for x in a.astype(np.float32).ravel()]}


def out_tensor(a):
    # 9 significant digits round-trip float32, so rounding eats none of the parity tolerance
    return {"dtype": "float32", "shape": list(a.shape), "data": [float(f"{x:.9g}") for x in a.ravel()]}


def tensor_cases(model):
    """Direct input tensors: different encoder lengths, profiles, a gap, missing metrics."""
    L, H = model.cfg.max_encoder_length, model.cfg.horizon
    recs = [synthetic_records(i, 3, seed=42) for i in range(5)]
    series = [ft.bin_records(f"golden-{i}", r, 0) for i, r in enumerate(recs)]
    store = ft.WindowStore(series, L, H)
    specs = [  # name, series, encoder length, profile, edit
        ("full_encoder_ml_compute", 0, L, 1, None),
        ("min_encoder_web_api", 1, 12, 3, None),
        ("gap_unknown_profile", 2, 60, 0, "gap"),
        ("no_disk_no_load_database", 3, L, 2, "cpu_mem"),
        ("cpu_only_generic", 4, 100, 7, "cpu"),
    ]
    cases, batch = [], []
    for name, i, n, prof, edit in specs:
        o = len(series[i]) - H - 1
        b = store.batch([i], [o], [n])
        b = {k: b[k] for k in ft.INPUT_NAMES}
        b["profile"] = np.array([prof], np.int64)
        if edit == "gap":
            b["past_mask"][0, L - 40:L - 10] = 0
        elif edit == "cpu_mem":
            b["past_mask"][0, :, 2:] = 0
        elif edit == "cpu":
            b["past_mask"][0, :, 1:] = 0
        b["past_values"] *= b["past_mask"]
        batch.append(b)
        cases.append({"name": name, "inputs": {k: tensor(v) for k, v in b.items()},
                      "outputs": {k: out_tensor(v) for k, v in run(model, b).items()}})
    stacked = {k: np.concatenate([b[k] for b in batch]) for k in ft.INPUT_NAMES}
    cases.append({"name": "batch_of_all_five", "inputs": {k: tensor(v) for k, v in stacked.items()},
                  "outputs": {k: out_tensor(v) for k, v in run(model, stacked).items()}})
    return cases


def e2e_cases(model):
    """Raw history -> tensors -> forecast, for the TypeScript feature builder."""
    L, H = model.cfg.max_encoder_length, model.cfg.horizon
    specs = [  # name, server, profile column, days of history, keep metrics, extra edit
        ("irregular_two_days_profile_column", "ppdb-017", "database", 2.0, 4, None),
        ("short_history_prefix_profile_no_disk", "ppweb-003", None, 0.25, 4, "no_disk"),
        ("cpu_only_unknown_with_outage", "edge-host-9", None, 1.0, 1, "outage"),
    ]
    out = []
    for k, (name, server, prof, days, keep, edit) in enumerate(specs):
        recs = synthetic_records(10 + k, 3, seed=99, irregular=True)
        end = recs[0][0] + days * 86400
        recs = [(t, v) for t, v in recs if t < end]
        rows = []
        for t, v in recs:
            v = list(v)
            if edit == "no_disk":
                v[2] = None
            for m in range(keep, 4):
                v[m] = None
            if edit == "outage" and end - 5 * 3600 <= t < end - 3 * 3600:
                continue  # two hours with no samples at all
            rows.append((t, v))
        rows.append((rows[-1][0] + 30, [None] * 4))  # a trailing all-blank row must not move the origin
        inputs, origin = ft.window_from_history(server, rows, prof, L, H)
        out.append({
            "name": name, "server_name": server, "profile": prof,
            "records": [{"timestamp": ft.format_time(t), **{m: v[i] for i, m in enumerate(ft.METRICS)}}
                        for t, v in rows],
            "as_of": ft.format_time(origin), "origin_epoch": int(origin),
            "inputs": {n: tensor(v) for n, v in inputs.items()},
            "outputs": {n: out_tensor(v) for n, v in run(model, inputs).items()},
        })
    return out


E2E_RULES = (
    "Records are binned onto the 300 s grid: bucket = floor(epoch/300)*300; per metric the bucket value is the "
    "mean (in float64, then float32) of the non-null samples in it; a bucket without a non-null sample for a "
    "metric is missing (mask 0, value 0). Records whose cells are all null create nothing. The forecast origin "
    "(as_of) is the START of the last bucket holding at least one non-null value of any metric; the encoder is "
    "the L buckets ending at the origin (inclusive), left-padded; encoder_length = min(L, (origin - first bucket "
    "with any non-null value)/300 + 1). Padded positions have value 0 and mask 0 but their past_time is still "
    "filled by the formula (the model ignores it). future step j (0..H-1) starts at origin + 300*(j+1). "
    "Profile: the profile name when given (index in the vocabulary, unknown names -> 0), else the server-name "
    "prefix map, else 0.")


def input_notes(model, ck):
    """Metadata for the seasonal input, the recent steps and the calibration, where the model has them."""
    cfg, notes = model.cfg, {}
    if cfg.season:
        notes["seasonal_input"] = (
            f"computed inside the graph: decoder position j (future steps {cfg.patch}j+1..{cfg.patch}(j+1)) gets the "
            f"scaled encoder values and masks {cfg.season} steps earlier (encoder indices L-{cfg.season}+"
            f"{cfg.patch}j..); the base also mixes in the raw value {cfg.season} steps back where observed "
            "(gate learned per step and metric). The runner feeds nothing extra")
    if cfg.recent:
        notes["recent_input"] = (f"the last {cfg.recent} encoder steps (scaled values and masks) at full resolution "
                                 "go through a GRN added to every decoder position before the output head")
    if cfg.calibrated:
        cal = ck.get("calibration", {})
        notes["quantile_calibration"] = {
            "how": "p10 / p90 offsets from p50 multiplied by constants per horizon step and metric (the q_cal "
                   "buffer in the graph)"
                   + (", one set for servers without a known profile (profile 0) and one for those with one"
                      if cfg.calibration_groups == 2 else "")
                   + ", fitted on the training data's validation split (calibrate.py)",
            **{k: v for k, v in cal.items() if k != "factors"}}
    return notes


def metadata(model, ck, version, evaluation=None):
    cfg, tcfg = model.cfg, dict(ck["train_config"])
    tcfg["runs_dir"] = os.path.relpath(tcfg["runs_dir"], os.path.join(HERE, ".."))  # no machine paths
    L, H = cfg.max_encoder_length, cfg.horizon
    return {
        "name": "tft", "version": version, "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "format": "onnx", "file": "model.onnx", "opset": OPSET,
        "step_seconds": ft.STEP, "horizon": H,
        "min_encoder_length": tcfg["min_encoder_length"], "max_encoder_length": L,
        "quantiles": QUANTILES, "targets": ft.METRICS,
        "inputs": [
            {"name": "past_values", "dtype": "float32", "shape": ["batch", L, 4],
             "doc": "raw values in original units, left-padded (index L-1 = origin bucket); 0 where missing/padded"},
            {"name": "past_mask", "dtype": "float32", "shape": ["batch", L, 4], "doc": "1 observed, 0 missing or padded"},
            {"name": "encoder_length", "dtype": "int64", "shape": ["batch"],
             "doc": "valid (non-padding) steps at the end, 1..L; gaps inside are valid positions with mask 0"},
            {"name": "past_time", "dtype": "float32", "shape": ["batch", L, 5], "doc": "time features, encoder"},
            {"name": "future_time", "dtype": "float32", "shape": ["batch", H, 5], "doc": "time features, decoder"},
            {"name": "profile", "dtype": "int64", "shape": ["batch"], "doc": "index in profile_vocabulary, 0 = unknown"},
        ],
        "outputs": [
            {"name": "quantiles", "dtype": "float32", "shape": ["batch", H, 4, 3],
             "doc": "[.., horizon step, target, quantile] in original units; p10<=p50<=p90 by construction; NOT "
                    "clipped: the runner clips to value_ranges"},
            {"name": "encoder_weights", "dtype": "float32", "shape": ["batch", len(ENCODER_VARS)],
             "doc": "encoder variable selection weights averaged over valid steps (sum 1)"},
            {"name": "decoder_weights", "dtype": "float32", "shape": ["batch", len(model.decoder_vars)],
             "doc": "decoder variable selection weights averaged over the horizon (sum 1)"},
            {"name": "static_weights", "dtype": "float32", "shape": ["batch", len(STATIC_VARS)],
             "doc": "static variable selection weights (sum 1)"},
        ],
        "time_features": {
            "names": ["sin_tod", "cos_tod", "sin_dow", "cos_dow", "rel"],
            "t": "UTC epoch seconds of the step START: encoder index i (0..L-1) -> origin - 300*(L-1-i); "
                 "decoder index j (0..H-1) -> origin + 300*(j+1)",
            "tod": "(t mod 86400) / 86400",
            "dow": "(floor(t / 86400) + 3) mod 7   (0 = Monday; 1970-01-01 was a Thursday)",
            "features": "[sin(2*pi*tod), cos(2*pi*tod), sin(2*pi*dow/7), cos(2*pi*dow/7), rel]",
            "rel": f"(p - L) / H with p the position across encoder+decoder: encoder i -> (i - {L})/{H}, "
                   f"decoder j -> j/{H}",
            "precision": "compute in float64, store float32; padded encoder positions are ignored by the model",
        },
        "scaling": {
            "where": "inside the ONNX graph (the runner passes raw values)",
            "center": "masked mean over valid encoder steps (0 if none observed)",
            "scale": "max(masked population std, floor) (floor if none observed)",
            "floors": dict(zip(ft.METRICS, [round(v, 6) for v in model.floor.tolist()])),
            "encoder_input": "per metric [(x - center)/scale * mask, mask]",
            "static_input": "profile embedding + per metric [level, log(scale), observed fraction]; level = center/100 "
                            "for percents, log1p(max(center,0))/log1p(100) for load_average",
            "output": "quantiles = base + scale * model_output, base = center + g * (last_observed - center) with "
                      "g in (0,1) learned per step and metric; last_observed = value at the last mask-1 valid step",
        },
        **input_notes(model, ck),
        "profile_vocabulary": ft.PROFILES,
        "profile_prefixes": ft.PREFIX_PROFILE,
        "value_ranges": ft.VALUE_RANGES,
        "clipping": "not done in the graph; clip p10/p50/p90 to value_ranges in the runner",
        "encoder_variables": ENCODER_VARS, "decoder_variables": model.decoder_vars, "static_variables": STATIC_VARS,
        "parameters": ck["n_params"],
        "model_config": ck["model_config"],
        "training_config": tcfg,
        "training_data": {"files": ck["data"], "n_series": ck["n_series"],
                          "split": f"by time: last {tcfg['val_fraction']:.0%} of every series is validation"},
        "training": {"best_step": ck["step"], "last_step": ck.get("last_step"),
                     "seconds": round(ck["train_seconds"], 1), "history": ck["history"]},
        "validation": {"pinball_loss_weighted": ck["val_loss"],
                       "note": "mean pinball over q=0.1/0.5/0.9, per-metric weights 1/mean|y| (training part)"},
        "evaluation": evaluation,
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", default=os.path.join(HERE, "runs", TrainConfig.run_name, "calibrated.pt"))
    p.add_argument("--version", help="the model's version (required unless --smoke)")
    p.add_argument("--out", help="output dir (default models/tft/<version>)")
    p.add_argument("--eval", help="evaluation JSON from evaluate.py to embed in metadata.json")
    p.add_argument("--smoke", action="store_true", help="export the smoke run into training/runs/smoke/export")
    a = p.parse_args(argv)
    if a.smoke:
        a.ckpt = os.path.join(HERE, "runs", "smoke", "best.pt")
        a.out = a.out or os.path.join(HERE, "runs", "smoke", "export")
        a.version = a.version or "0.0.0-smoke"
    elif not a.version:
        p.error("--version is required (the folder models/tft/<version> and metadata.json's version)")
    out = os.path.normpath(a.out or os.path.join(HERE, "..", "models", "tft", a.version))
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)

    model, ck = load_model(a.ckpt)
    onnx_path = os.path.join(out, "model.onnx")
    export_onnx(model, onnx_path)
    evaluation = None
    if a.eval:
        with open(a.eval) as f:
            evaluation = json.load(f)
    # the same weights for PyTorch (the bench's eager side-by-side run, fine-tuning)
    torch.save({"model": model.state_dict(), "model_config": ck["model_config"]}, os.path.join(out, "weights.pt"))
    meta = metadata(model, ck, a.version, evaluation)
    with open(os.path.join(out, "metadata.json"), "w") as f:
        json.dump(meta, f, indent=2)
    golden = {
        "description": "Parity vectors: run 'cases' through model.onnx (onnxruntime) and require max abs diff "
                       "< 1e-4 on every output; for 'end_to_end', build the tensors from 'records' with the "
                       "runner's feature builder, compare them with 'inputs' (values/time: abs diff < 1e-5, "
                       "masks/ints exact), then compare the forecast with 'outputs'.",
        "model_version": a.version, "tolerance": {"outputs_max_abs_diff": 1e-4, "inputs_max_abs_diff": 1e-5},
        "tensor_encoding": "{dtype, shape, data}: data is the flat row-major array",
        "cases": tensor_cases(model),
        "end_to_end": {"rules": E2E_RULES, "max_encoder_length": model.cfg.max_encoder_length,
                       "horizon": model.cfg.horizon, "cases": e2e_cases(model)},
    }
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(golden, f)
    size = os.path.getsize(onnx_path)
    print(f"exported {onnx_path} ({size / 1e6:.2f} MB, {ck['n_params']} params, opset {OPSET})")
    print(f"wrote {os.path.join(out, 'metadata.json')} and {os.path.join(out, 'golden.json')}")
    return out


if __name__ == "__main__":
    main()
