"""PyTorch eager timing of the shipped TFT on the inputs the bench wrote (apps/bench runs this).

  /usr/bin/python3 training/bench_torch.py --model-dir models/tft/3.0.0 --inputs /tmp/tft-bench-xyz

--inputs holds inputs.json ({"inputs": [{"name", "dtype", "shape", "file"}, ...]}) and one raw
little-endian file per input, in the order the model's forward() takes them. Loads
<model-dir>/weights.pt ({"model": state_dict, "model_config": dict}), times forward passes in eval mode
under torch.no_grad() (median of --reps after --warmup), writes the quantiles output as raw float32 to
--out (default <inputs>/torch_quantiles.bin) and prints one JSON line. Without torch (or weights.pt) it
prints {"ok": false, "error": ...} and exits 3, so the bench can report null rather than crash.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"float32": "<f4", "int64": "<i8"}


def fail(message):
    print(json.dumps({"ok": False, "error": message}))
    sys.exit(3)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model-dir", required=True)
    p.add_argument("--inputs", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--out", default=None)
    a = p.parse_args(argv)
    # before torch is imported: its OpenMP pool reads these
    os.environ["OMP_NUM_THREADS"] = str(a.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(a.threads)
    try:
        import numpy as np
        import torch
    except ImportError as err:
        fail(f"PyTorch is not installed for {sys.executable} ({err}); apt-get install -y python3-torch")
    sys.path.insert(0, HERE)
    from model import TFT, TFTConfig

    weights = os.path.join(a.model_dir, "weights.pt")
    if not os.path.exists(weights):
        fail(f"{weights} is missing: training/export.py writes it next to model.onnx")
    torch.set_num_threads(a.threads)
    ck = torch.load(weights, map_location="cpu")
    try:
        model = TFT(TFTConfig.from_dict(ck["model_config"]))
    except ValueError as err:
        fail(f"{weights}: {err}")
    model.load_state_dict(ck["model"])
    model.eval()

    with open(os.path.join(a.inputs, "inputs.json")) as f:
        spec = json.load(f)
    tensors = []
    for t in spec["inputs"]:
        arr = np.fromfile(os.path.join(a.inputs, t["file"]), dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
        tensors.append(torch.from_numpy(arr.astype(arr.dtype.newbyteorder("="))))
    batch = int(tensors[0].shape[0])

    times = []
    with torch.no_grad():
        for i in range(a.warmup + a.reps):
            started = time.perf_counter()
            quantiles = model(*tensors)[0]
            ms = (time.perf_counter() - started) * 1000
            if i >= a.warmup:
                times.append(ms)
            print(f"torch: pass {i + 1}/{a.warmup + a.reps} {ms:.0f} ms{' (warm-up)' if i < a.warmup else ''}",
                  file=sys.stderr, flush=True)
    out = a.out or os.path.join(a.inputs, "torch_quantiles.bin")
    quantiles.numpy().astype("<f4").tofile(out)
    med = float(np.median(times))
    print(json.dumps({
        "ok": True,
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": batch,
        "warmup": a.warmup,
        "times_ms": [round(t, 3) for t in times],
        "median_ms": round(med, 3),
        "servers_per_second": round(batch * 1000.0 / med, 3),
        "quantiles_file": out,
        "quantiles_shape": list(quantiles.shape),
    }))


if __name__ == "__main__":
    main()
