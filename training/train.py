"""Train the TFT on contract CSVs.

  /usr/bin/python3 training/train.py                                      # the shipped model (config/3.0.0.json)
  /usr/bin/python3 training/train.py --config training/config/2.0.0.json # another model's config file
  /usr/bin/python3 training/train.py --config training/config/2.0.0.json --max_steps 400   # a flag wins
  /usr/bin/python3 training/train.py --smoke                              # a few steps, synthetic data
  /usr/bin/python3 training/train.py --init models/tft/3.0.0 --data fleet.csv --max_minutes 10   # fine-tune

A setting comes from, last one winning: TrainConfig's defaults (the shipped model's config file), the
--config file's "train" section, --smoke's small run, --init's fine-tuning (the model's network, FINE_TUNE),
the command-line flags.
Writes training/runs/<run_name>/best.pt (git-ignored); export.py turns it into ONNX.
"""
import os

# BLAS threads must be fixed before numpy/torch load; we share the machine
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import features as ft
from model import QUANTILES, TFT, TFTConfig, n_params

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG_DIR = os.path.join(HERE, "config")
SHIPPED = "3.0.0"  # the model whose config file TrainConfig's defaults are (tests/test_config.py checks it)


@dataclass
class TrainConfig:
    data: list = field(default_factory=lambda: ["data/gen/train.csv"])
    run_name: str = "m3"
    runs_dir: str = os.path.join(HERE, "runs")
    seed: int = 1337
    threads: int = 1             # more OMP threads thrash when the other cores are busy
    # model and windows (the ONNX contract): model.TFTConfig explains them and holds their defaults
    max_encoder_length: int = TFTConfig.max_encoder_length
    min_encoder_length: int = 12
    horizon: int = TFTConfig.horizon
    hidden: int = TFTConfig.hidden
    heads: int = TFTConfig.heads
    dropout: float = TFTConfig.dropout
    patch: int = TFTConfig.patch
    season: int = TFTConfig.season
    recent: int = TFTConfig.recent
    # optimisation
    batch_size: int = 128
    lr: float = 3e-3
    warmup_steps: int = 100
    grad_clip: float = 1.0
    max_steps: int = 60000
    max_minutes: float = 50.0     # wall-clock budget for the loop; export etc. come on top
    ema: float = 0.999            # >0: validate and save an exponential moving average of the weights
                                  # (decay per step) instead of the raw weights; 0 = off
    eval_interval: int = 400
    lr_patience: int = 3          # evals without improvement before halving the lr
    patience: int = 10            # evals without improvement before stopping
    # split by time: the last val_fraction of every series is validation
    val_fraction: float = 0.15
    val_stride: int = 48
    # augmentation so the runner's partial / cpu-only inputs are in distribution
    p_full_encoder: float = 0.7
    p_cpu_only: float = 0.10
    p_drop_disk_load: float = 0.15
    p_gap: float = 0.2
    max_gap: int = 96
    p_unknown_profile: float = 0.25  # real hosts often carry no profile; train profile 0 too
    # real-world-shaped series (training/wild.py) mixed with the generator fleet
    wild_series: int = 240
    wild_days: int = 21
    wild_seed: int = 11
    # real machines' traces (the corpus ../shared/data/train/stage-bitbrains.py stages): files or directories
    real: list = field(default_factory=lambda: ["data/bitbrains"])
    real_share: float = 0.6      # share of training windows drawn from the real series (when there are any)
    val_series: float = 0.15     # share of the real series held out whole (chosen by name) for validation
    val_windows_per_series: int = 60  # validation origins per held-out real series, evenly spaced
    smoke: bool = False
    init: str = ""               # fine-tuning: the weights training starts from (a model dir or a .pt file)
    val_max_windows: int = 0     # >0: at most this many validation windows, evenly picked (a large fleet)
    # >0: each window's metric is weighted by 1 / (its encoder std + loss_scale * the metric's mean|y|)
    # instead of the metric's 1/mean|y| alone, so a quiet VM counts as much as a busy one, as when each
    # series is scored on its own scale (GIFT-Eval's per-series ratios); 0 = per metric only
    loss_scale: float = 0.0
    # >0: the first PLATEAU_HORIZON steps of a percent metric held high at the origin (its last
    # PLATEAU_STEPS observed steps within PLATEAU_SPREAD points at or above PLATEAU_FLOOR, the backtest's
    # plateau rule) weigh 1 + plateau_weight as much: such windows are rare, and the data's median
    # continuation of a held value is the value itself while the network learned to revert it
    plateau_weight: float = 0.0


# what a config file does not set: where this machine keeps runs, the smoke switch, the weights a
# fine-tuning run starts from and its cap on validation windows (run settings, not a model's recipe)
NOT_IN_CONFIG = ("runs_dir", "smoke", "init", "val_max_windows")
# --smoke: tiny and fast, on synthetic data (CI checks the pipeline, not the accuracy); the model's
# shape stays that of the defaults or the --config file
SMOKE = dict(run_name="smoke", batch_size=16, max_steps=12, eval_interval=6, max_minutes=1.5, warmup_steps=2,
             val_stride=96, data=[], real=[], smoke=True)
# --init: fine-tuning a trained model on a fleet's own history (`npm run train -- --fine-tune`). The
# network is the model's (its calibration too: q_cal stays fixed, so the loss trains the quantiles the
# model serves), a tenth of the learning rate so the weights move from where they are, evaluations often
# enough that a budget of minutes still keeps its best weights, and only the data given (no wild series
# or real traces unless flags add them). The loss of the weights as given is the first evaluation, so a
# run that never improves on it keeps them.
FINE_TUNE = dict(run_name="fine-tune", lr=3e-4, warmup_steps=20, eval_interval=50, lr_patience=2, patience=6,
                 max_minutes=10.0, wild_series=0, real=[], val_stride=12, val_max_windows=2048)
# the TrainConfig fields that shape the network, which a fine-tuning run takes from the model it starts from
NETWORK_FIELDS = ("max_encoder_length", "horizon", "hidden", "heads", "dropout", "patch", "season", "recent")


def config_path(version):
    return os.path.join(CONFIG_DIR, f"{version}.json")


def read_config(path):
    """A config file's "train" section, checked against TrainConfig: every key a field (config files
    set every field but NOT_IN_CONFIG, so each reproduces its model whatever the defaults become),
    numbers as the field's type."""
    with open(path) as f:
        train = json.load(f)["train"]
    types = {f.name: f.type for f in fields(TrainConfig) if f.name not in NOT_IN_CONFIG}
    unknown = sorted(set(train) - set(types))
    if unknown:
        raise SystemExit(f"{path}: not TrainConfig fields: {', '.join(unknown)}")
    return {k: typed(path, k, v, types[k]) for k, v in train.items()}


def typed(path, key, v, typ):
    """v as a field of type typ (a JSON 50 for a float field is 50.0), or exit naming the key."""
    if typ in (int, float) and isinstance(v, (int, float)) and not isinstance(v, bool) and (typ is float or v == int(v)):
        return typ(v)
    if typ not in (int, float) and isinstance(v, typ):
        return v
    raise SystemExit(f"{path}: {key} = {v!r} is not a {typ.__name__}")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", help="a config file (training/config/<version>.json): its \"train\" section "
                                     f"overrides the defaults, which are config/{SHIPPED}.json's")
    p.add_argument("--smoke", action="store_true", help="a few steps on synthetic data (after --config, before flags)")
    p.add_argument("--init", metavar="MODEL", help="fine-tune: start from a model (models/tft/<version>, or its weights.pt): "
                                                   "its network and weights, the FINE_TUNE settings (after --smoke, before flags)")
    defaults = TrainConfig()
    for f in fields(TrainConfig):
        if f.name in ("smoke", "init"):
            continue
        if f.type is list:
            p.add_argument("--" + f.name, nargs="*", metavar="PATH",
                           help=f"CSV files or directories (default {' '.join(getattr(defaults, f.name)) or 'none'})")
        elif f.type is bool:
            p.add_argument("--" + f.name, action=argparse.BooleanOptionalAction)
        else:
            p.add_argument("--" + f.name, type=f.type, help=f"default {getattr(defaults, f.name)}")
    args = p.parse_args(argv)
    cfg = TrainConfig()
    fine_tune = {}
    if args.init:
        network = init_weights(args.init)["model_config"]
        fine_tune = {**FINE_TUNE, **{k: network[k] for k in NETWORK_FIELDS if k in network}, "init": args.init}
    layers = [read_config(args.config) if args.config else {}, SMOKE if args.smoke else {}, fine_tune,
              {k: v for k, v in vars(args).items() if v is not None and k not in ("config", "smoke", "init")}]
    for layer in layers:
        for k, v in layer.items():
            setattr(cfg, k, v)
    return cfg


def init_weights(path):
    """What fine-tuning starts from: {"model": state dict, "model_config": ...} of a model dir's weights.pt
    (export.py writes it) or of a checkpoint file."""
    file = os.path.join(path, "weights.pt") if os.path.isdir(path) else path
    if not os.path.isfile(file):
        raise SystemExit(f"--init {path}: no {file} (export.py writes weights.pt beside model.onnx)")
    ck = torch.load(file, map_location="cpu")
    if "model" not in ck or "model_config" not in ck:
        raise SystemExit(f"--init {path}: {file} holds no model and model_config")
    return ck


def model_config(cfg):
    """The network a TrainConfig builds: its model fields, and the profile vocabulary's size."""
    return TFTConfig(**{f.name: getattr(cfg, f.name) for f in fields(TFTConfig) if hasattr(cfg, f.name)},
                     n_profiles=len(ft.PROFILES))


def checkpoint_config(d):
    """A checkpoint's train_config as a TrainConfig. Older checkpoints also carry the layout switches
    vsn / fast, which TFTConfig.from_dict checks on their model_config."""
    return TrainConfig(**{k: v for k, v in d.items() if k not in ("vsn", "fast")})


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def pinball(pred, y, m, w):
    """Quantile loss. pred [B,H,4,3], y/m [B,H,4]; w [4] per-metric weights (1/mean|y|) so the
    loss matches the weighted quantile loss the model is judged on. Only observed targets count."""
    q = torch.tensor(QUANTILES, dtype=pred.dtype)
    e = y[..., None] - pred
    loss = torch.maximum(q * e, (q - 1) * e).mean(-1)                    # [B,H,4]
    wm = m * w
    return (loss * wm).sum() / wm.sum().clamp(min=1e-6)


# the backtest's plateau rule (apps/backtest: PLATEAU_STEPS, PLATEAU_SPREAD, PLATEAU_FLOOR), and the
# horizon steps plateau_weight emphasises (the first hour)
PLATEAU_STEPS, PLATEAU_SPREAD, PLATEAU_FLOOR, PLATEAU_HORIZON = 6, 5.0, 80.0, 12
PERCENT_METRICS = 3   # cpu, memory, disk; load is not a percentage


def loss_weights(b, w, mean_abs, loss_scale, plateau_weight=0.0):
    """The pinball weights of a batch: w [4] (per metric), or with loss_scale > 0 [B, 1, 4] per window
    and metric from the observed encoder steps' std (see TrainConfig.loss_scale); with plateau_weight
    > 0, [B, H, 4] with held-high windows' first steps emphasised (TrainConfig.plateau_weight)."""
    if loss_scale <= 0 and plateau_weight <= 0:
        return w
    pv, pm, n = b["past_values"], b["past_mask"], b["encoder_length"]
    L = pv.shape[1]
    valid = (torch.arange(L)[None, :, None] >= (L - n)[:, None, None]).float() * pm   # [B, L, 4]
    ww = w if loss_scale <= 0 else scaled_weights(pv, valid, w, mean_abs, loss_scale)
    if plateau_weight <= 0:
        return ww
    H = b["target"].shape[1]
    emphasis = 1.0 + plateau_weight * held_high(pv, valid)[:, None, :] * (torch.arange(H) < PLATEAU_HORIZON).float()[None, :, None]
    return ww * emphasis                                                                  # [B, H, 4]


def held_high(pv, valid):
    """[B, 4]: 1 where a percent metric's last PLATEAU_STEPS encoder steps are all observed, within
    PLATEAU_SPREAD points of each other and at or above PLATEAU_FLOOR."""
    last, seen = pv[:, -PLATEAU_STEPS:], valid[:, -PLATEAU_STEPS:]
    observed = seen.min(1).values > 0
    spread = last.max(1).values - last.min(1).values
    out = observed & (spread <= PLATEAU_SPREAD) & (last.min(1).values >= PLATEAU_FLOOR)
    out[:, PERCENT_METRICS:] = False
    return out.float()


def scaled_weights(pv, valid, w, mean_abs, loss_scale):
    """[B, 1, 4]: per window and metric 1 / (the observed encoder steps' std + loss_scale * mean|y|)."""
    pv = torch.where(valid > 0, pv, torch.zeros_like(pv))
    cnt = valid.sum(1).clamp(min=1.0)
    mean = (pv * valid).sum(1) / cnt
    std = torch.sqrt((((pv - mean[:, None]) * valid) ** 2).sum(1) / cnt)           # [B, 4]
    denom = std + loss_scale * mean_abs
    ww = torch.where((w > 0) & (denom > 0), 1.0 / denom.clamp(min=1e-6), torch.zeros_like(denom))
    return ww[:, None, :]


def to_torch(b):
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in b.items()}


def model_inputs(b):
    return [b[k] for k in ft.INPUT_NAMES]


def train_split(s, cfg):
    """Steps of a series that training windows may touch. Real series are split by series: none of a
    held-out one, all of the others. Generator and wild series are split by time: all but the last
    val_fraction."""
    if s.real:
        return 0 if s.held_out else len(s)
    return int(len(s) * (1 - cfg.val_fraction))


def holds_out(name, share):
    """The split by series: a stable choice by name, so every run and calibrate.py hold out the same VMs."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share


def training_series(cfg):
    """The generator export(s), the wild series and the real traces, as train.py and calibrate.py use
    them. Returns (series, files read)."""
    files = ft.csv_files(cfg.data)
    series = ft.load_series(files)
    if cfg.wild_series and not cfg.smoke:
        from wild import wild_fleet
        series += wild_fleet(cfg.wild_series, cfg.wild_days, cfg.wild_seed)
    real_files = ft.csv_files(cfg.real)
    for f in real_files:
        for s in ft.read_csv(f):
            s.real, s.held_out = True, holds_out(s.name, cfg.val_series)
            series.append(s)
    return series, files + real_files


class Sampler:
    """Random training windows whose targets lie in the training part of each series; a real_share
    of them from the real series when there are any."""

    def __init__(self, store, cfg, rng):
        self.store, self.cfg, self.rng = store, cfg, rng
        L, H, lo = cfg.max_encoder_length, cfg.horizon, cfg.min_encoder_length - 1
        self.split = [train_split(s, cfg) for s in store.series]
        # origin o: encoder ends at o, targets o+1..o+H must stay before the split
        n_orig = np.array([max(0, sp - H - lo) for sp in self.split])
        real = np.array([s.real for s in store.series])
        # per group (synthetic, real): the series ids and cumulative origin counts to draw from
        self.groups = []
        for g in (~real, real):
            ids = np.nonzero(g & (n_orig > 0))[0]
            if len(ids):
                self.groups.append((ids, n_orig[ids], np.cumsum(n_orig[ids])))
        if not self.groups:
            raise SystemExit("no training windows: series are shorter than min_encoder_length + horizon")
        self.p_real = cfg.real_share if len(self.groups) == 2 else (1.0 if real.any() else 0.0)

    def draw(self, B):
        """(series id, origin) of B random training windows."""
        group = (self.rng.random(B) < self.p_real).astype(np.int64) if len(self.groups) == 2 else np.zeros(B, np.int64)
        sid, origin = np.zeros(B, np.int64), np.zeros(B, np.int64)
        for g, (ids, n, cum) in enumerate(self.groups):
            pick = group == g
            k = self.rng.integers(0, cum[-1], int(pick.sum()))
            j = np.searchsorted(cum, k, side="right")
            sid[pick] = ids[j]
            origin[pick] = k - (cum[j] - n[j]) + self.cfg.min_encoder_length - 1
        return sid, origin

    def batch(self, B):
        cfg, rng, L = self.cfg, self.rng, self.cfg.max_encoder_length
        sid, origin = self.draw(B)
        full = rng.random(B) < cfg.p_full_encoder
        n = np.where(full, L, rng.integers(cfg.min_encoder_length, L + 1, B))
        n = np.minimum(n, origin + 1)
        b = self.store.batch(sid, origin, n)
        # whole metrics go missing (cpu-only and cpu+memory traces exist in the wild)
        r = rng.random(B)
        keep = np.ones((B, 4), np.float32)
        keep[r < cfg.p_cpu_only, 1:] = 0
        keep[(r >= cfg.p_cpu_only) & (r < cfg.p_cpu_only + cfg.p_drop_disk_load), 2:] = 0
        # an outage: a span of the encoder with nothing observed
        gap = np.ones((B, L, 1), np.float32)
        for i in np.nonzero(rng.random(B) < cfg.p_gap)[0]:
            g = rng.integers(1, cfg.max_gap + 1)
            s = rng.integers(L - n[i], L)
            gap[i, s:s + g] = 0
        b["past_mask"] *= keep[:, None] * gap
        b["past_values"] *= b["past_mask"]
        b["target_mask"] *= keep[:, None]  # an unmeasured metric has no target either
        b["profile"] = np.where(rng.random(B) < cfg.p_unknown_profile, 0, b["profile"])
        return b


def val_windows(store, cfg):
    """Fixed validation windows: origins from the split on, targets in the last val_fraction; for a
    held-out series val_windows_per_series origins spread over all of it."""
    L, H = cfg.max_encoder_length, cfg.horizon
    sid, orig = [], []
    for i, s in enumerate(store.series):
        first = max(train_split(s, cfg) - 1, cfg.min_encoder_length - 1)
        stride = cfg.val_stride
        if s.held_out:
            stride = max(cfg.val_stride, (len(s) - H - first) // max(1, cfg.val_windows_per_series))
        for o in range(first, len(s) - H, stride):
            sid.append(i)
            orig.append(o)
    sid, orig = np.array(sid, np.int64), np.array(orig, np.int64)
    if cfg.val_max_windows and len(sid) > cfg.val_max_windows:
        keep = np.linspace(0, len(sid) - 1, cfg.val_max_windows).round().astype(np.int64)
        sid, orig = sid[keep], orig[keep]
    return sid, orig, np.minimum(L, orig + 1)


@torch.no_grad()
def evaluate_loss(model, store, windows, w, bs=256, mean_abs=None, loss_scale=0.0, plateau_weight=0.0):
    model.eval()
    sid, orig, n = windows
    tot, cnt = 0.0, 0.0
    for i in range(0, len(sid), bs):
        b = to_torch(store.batch(sid[i:i + bs], orig[i:i + bs], n[i:i + bs]))
        pred = model(*model_inputs(b))[0]
        wb = loss_weights(b, w, mean_abs, loss_scale, plateau_weight)
        wm = (b["target_mask"] * wb).sum().item()
        tot += pinball(pred, b["target"], b["target_mask"], wb).item() * wm
        cnt += wm
    model.train()
    return tot / max(cnt, 1e-6)


def metric_mean_abs(store, sampler):
    """mean|y| per metric over the training part (0 for a metric never observed)."""
    s_abs, s_cnt = np.zeros(4), np.zeros(4)
    for s, sp in zip(store.series, sampler.split):
        s_abs += np.abs(s.values[:sp] * s.mask[:sp]).sum(0)
        s_cnt += s.mask[:sp].sum(0)
    return np.where(s_cnt > 0, s_abs / np.maximum(s_cnt, 1), 0.0)


def metric_weights(mean_abs):
    """1/mean|y| per metric, mean 1 over the observed ones (0 for a metric never observed)."""
    w = np.where(mean_abs > 0, 1.0 / np.maximum(mean_abs, 1e-3), 0.0)
    return w / w[w > 0].mean()


def fmt_time(s):
    s = int(s)
    return f"{s // 60}m{s % 60:02d}s"


def main(argv=None):
    cfg = parse_args(argv)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    torch.set_num_threads(cfg.threads)
    run_dir = os.path.join(cfg.runs_dir, cfg.run_name)
    os.makedirs(run_dir, exist_ok=True)

    if cfg.smoke and not cfg.data:
        from synthetic import write_csv
        cfg.data = [write_csv(os.path.join(run_dir, "synthetic.csv"), n_servers=4, days=3, seed=cfg.seed)]
    t0 = time.time()
    series, files = training_series(cfg)
    if cfg.smoke:  # a tiny slice: 4 series, last 3 days, and 4 small wild ones
        series = series[:4]
        for s in series:
            cut = max(0, len(s) - 864)
            s.values, s.mask, s.t0 = s.values[cut:], s.mask[cut:], s.t0 + ft.STEP * cut
        if cfg.wild_series:
            from wild import wild_fleet
            series += wild_fleet(4, 3, cfg.wild_seed)
    store = ft.WindowStore(series, cfg.max_encoder_length, cfg.horizon)
    sampler = Sampler(store, cfg, rng)
    val = val_windows(store, cfg)
    mean_abs_np = metric_mean_abs(store, sampler)
    w = torch.tensor(metric_weights(mean_abs_np), dtype=torch.float32)
    mean_abs = torch.tensor(mean_abs_np, dtype=torch.float32)

    def val_loss(m):
        return evaluate_loss(m, store, val, w, mean_abs=mean_abs, loss_scale=cfg.loss_scale, plateau_weight=cfg.plateau_weight)
    data_info = [{"path": os.path.relpath(f), "sha256": sha256(f)} for f in files]
    held = sorted(s.name for s in series if s.held_out)
    if held:  # the validation VMs: calibrate.py recomputes them, the alert level is chosen on them
        with open(os.path.join(run_dir, "validation-series.txt"), "w") as f:
            f.write("\n".join(held) + "\n")
    n_real = sum(s.real for s in series)
    print(f"data: {len(files)} file(s), {len(series) - n_real} generator and wild series, {n_real} real "
          f"({sum(s.held_out for s in series)} held out for validation), {sum(len(s) for s in series)} steps "
          f"({time.time() - t0:.1f}s); val windows {len(val[0])}; metric weights {np.round(w.numpy(), 3).tolist()}")

    if cfg.init:  # the model's own network, its calibration included, and its weights
        init = init_weights(cfg.init)
        mcfg = TFTConfig.from_dict(init["model_config"])
        model = TFT(mcfg)
        model.load_state_dict(init["model"])
    else:
        mcfg = model_config(cfg)
        model = TFT(mcfg)
    print(f"model: {n_params(model)} parameters{f', from {cfg.init}' if cfg.init else ''}; run dir {run_dir}")
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    lr, best, best_step, bad, lr_bad = cfg.lr, float("inf"), 0, 0, 0
    history, start, ema = [], time.time(), None
    ckpt_path = os.path.join(run_dir, "best.pt")

    ema_model = None
    if cfg.ema > 0:
        import copy
        ema_model = copy.deepcopy(model)
        for q in ema_model.parameters():
            q.requires_grad_(False)
    eval_model = ema_model if ema_model is not None else model

    def save(step, val_loss):
        torch.save({"model": eval_model.state_dict(), "model_config": asdict(mcfg), "train_config": asdict(cfg),
                    "metric_weights": w.tolist(), "data": data_info, "n_series": len(series),
                    "n_params": n_params(model), "step": step, "val_loss": val_loss,
                    "train_seconds": time.time() - start, "history": history}, ckpt_path)

    if cfg.init:  # the weights as given are the first candidate
        best = val_loss(eval_model)
        history.append({"step": 0, "loss": None, "val_loss": best, "elapsed_s": round(time.time() - start, 1)})
        save(0, best)
        print(f"step     0 | val {best:.4f} * (the weights of {cfg.init}) | budget {fmt_time(cfg.max_minutes * 60)}",
              flush=True)

    step, last_print = 0, time.time()
    for step in range(1, cfg.max_steps + 1):
        for g in opt.param_groups:
            g["lr"] = lr * min(1.0, step / max(1, cfg.warmup_steps))
        b = to_torch(sampler.batch(cfg.batch_size))
        pred = model(*model_inputs(b))[0]
        loss = pinball(pred, b["target"], b["target_mask"], loss_weights(b, w, mean_abs, cfg.loss_scale, cfg.plateau_weight))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        if ema_model is not None:
            decay = min(cfg.ema, (1.0 + step) / (10.0 + step))
            with torch.no_grad():
                for q_e, q in zip(ema_model.parameters(), model.parameters()):
                    q_e.mul_(decay).add_(q, alpha=1.0 - decay)
        ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()

        elapsed = time.time() - start
        out_of_time = elapsed > cfg.max_minutes * 60
        if step % cfg.eval_interval == 0 or step == cfg.max_steps or out_of_time:
            v = val_loss(eval_model)
            history.append({"step": step, "loss": ema, "val_loss": v, "elapsed_s": round(elapsed, 1)})
            mark = ""
            if v < best:
                best, best_step, bad, lr_bad, mark = v, step, 0, 0, " *"
                save(step, v)
            else:
                bad, lr_bad = bad + 1, lr_bad + 1
                if lr_bad >= cfg.lr_patience:
                    lr, lr_bad = lr / 2, 0
            eta = min((cfg.max_steps - step) * elapsed / step, max(0.0, cfg.max_minutes * 60 - elapsed))
            print(f"step {step:5d} | loss {ema:.4f} | val {v:.4f}{mark} | lr {lr:.1e} | "
                  f"elapsed {fmt_time(elapsed)} | eta {fmt_time(eta)}", flush=True)
            last_print = time.time()
            if bad >= cfg.patience:
                print(f"early stop: no val improvement in {bad} evals")
                break
            if out_of_time:
                print(f"time budget of {fmt_time(cfg.max_minutes * 60)} reached")
                break
        elif step % 20 == 0 or time.time() - last_print >= 10:  # slow steps still show progress
            left = min((cfg.max_steps - step) * elapsed / step, max(0.0, cfg.max_minutes * 60 - elapsed))
            print(f"step {step:5d} | loss {ema:.4f} | {elapsed / step:.2f}s/step | elapsed {fmt_time(elapsed)} | "
                  f"left {fmt_time(left)}", flush=True)
            last_print = time.time()

    # keep the final history in the best checkpoint
    ck = torch.load(ckpt_path)
    ck["history"], ck["train_seconds"], ck["last_step"] = history, time.time() - start, step
    torch.save(ck, ckpt_path)
    print(f"best val loss {best:.4f} at step {best_step}; total {fmt_time(time.time() - start)}")
    print(f"checkpoint: {ckpt_path}")
    return ckpt_path


if __name__ == "__main__":
    main()
