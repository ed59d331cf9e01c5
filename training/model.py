"""Temporal Fusion Transformer (Lim et al. 2021) for 4 host metrics, sized for a CPU.

The graph takes raw values and does its own per-series scaling, so the ONNX file is the single
source of truth for feature scaling. Padded / masked inputs are zeroed before they reach any
layer and padded positions are masked in attention, so they cannot influence the outputs.
"""
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

N_METRICS = 4
QUANTILES = [0.1, 0.5, 0.9]
ENCODER_VARS = ["cpu_percent", "memory_percent", "disk_percent", "load_average",
                "time_of_day", "day_of_week", "relative_time"]
DECODER_VARS = ["time_of_day", "day_of_week", "relative_time"]
STATIC_VARS = ["profile", "cpu_percent_stats", "memory_percent_stats", "disk_percent_stats",
               "load_average_stats"]
# scale floors: a flat series must not blow up the scaled values. Small, because real hosts idle
# at a fraction of a percent of cpu, and a floor above that level makes their band wider than the series
SCALE_FLOOR = [0.05, 0.05, 0.05, 0.01]
Z_CLIP = 20.0  # a spike after a flat window stays a big input, not an unbounded one


@dataclass
class TFTConfig:
    """The network's shape; the defaults are the shipped model's (train.py's defaults take them)."""
    max_encoder_length: int = 288
    horizon: int = 96
    hidden: int = 32
    heads: int = 4
    dropout: float = 0.1
    n_profiles: int = 8
    # steps per temporal position: the LSTMs and attention run over (L + H) / patch positions and
    # each decoder position emits `patch` steps (1 is the classic per-step TFT)
    patch: int = 6
    # seasonal decoder input: steps back (288 = 24 h). The decoder position for steps o+j..o+j+k-1
    # gets the scaled encoder values (and masks) at steps o+j-season.., computed inside the graph,
    # and the forecast base can mix in the raw value `season` steps back. 0 = off.
    # Needs max_encoder_length >= season >= horizon
    season: int = 288
    # the last `recent` encoder steps at full resolution (scaled values + masks), through a GRN
    # added to every decoder position right before the output head (last level and trend). 0 = off
    recent: int = 12
    # per horizon step and metric scale factors for the p10 / p90 offsets (conformal calibration on
    # the validation split, calibrate.py); a buffer q_cal [H, 4, 2] folded into the graph as constants
    calibrated: bool = False
    # 2: separate factors for servers with no known profile (group 0) and with one (group 1), q_cal
    # [2, H, 4, 2]: the real traces and the wild series have no profile, the generator fleet has one
    calibration_groups: int = 1

    @classmethod
    def from_dict(cls, d):
        """A checkpoint's model_config. The 2.0.0 and 3.0.0 checkpoints name this layout as
        {"vsn": "linear", "fast": true}; the classic layout's (1.2.0: per-variable GRNs, neither key
        nor `season` in its config) is refused: its model.onnx still runs, PyTorch cannot load it."""
        d = dict(d)
        fast = d.pop("fast", "season" in d)
        if not fast or d.pop("vsn", "linear") != "linear":
            raise ValueError("a checkpoint of the classic TFT layout (per-variable GRNs, model 1.2.0): "
                             "model.py builds only the layout of the models since 2.0.0")
        return cls(**d)


class GLU(nn.Module):
    """Gated linear unit: lets the network switch off a block it does not need."""

    def __init__(self, d_in, d_out):
        super().__init__()
        self.a = nn.Linear(d_in, d_out)
        self.b = nn.Linear(d_in, d_out)

    def forward(self, x):
        return self.a(x) * torch.sigmoid(self.b(x))


class GateAddNorm(nn.Module):
    def __init__(self, d_in, d, dropout=0.0):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.glu = GLU(d_in, d)
        self.norm = nn.LayerNorm(d)

    def forward(self, x, skip):
        return self.norm(self.glu(self.drop(x)) + skip)


class GRN(nn.Module):
    """Gated residual network with optional static context."""

    def __init__(self, d_in, d_hidden, d_out, d_context=None, dropout=0.0, act="elu"):
        super().__init__()
        self.act = F.relu if act == "relu" else F.elu
        self.skip = nn.Linear(d_in, d_out) if d_in != d_out else None
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.ctx = nn.Linear(d_context, d_hidden, bias=False) if d_context else None
        self.fc2 = nn.Linear(d_hidden, d_hidden)
        self.gate = GateAddNorm(d_hidden, d_out, dropout)

    def forward(self, x, context=None, T=None):
        """T: x is [B*T, d_in] (rows b*T+t) and context [B, d_context], broadcast over t."""
        skip = self.skip(x) if self.skip is not None else x
        h = self.fc1(x)
        if context is not None:
            if T is None:
                h = h + self.ctx(context)
            else:
                h = (h.reshape(-1, T, h.shape[-1]) + self.ctx(context)[:, None]).reshape(-1, h.shape[-1])
        h = self.fc2(self.act(h))
        return self.gate(h, skip)


class VSN(nn.Module):
    """Variable selection over the static variables: embed each variable, a GRN per variable,
    softmax weights from a GRN over all of them."""

    def __init__(self, input_dims, d):
        super().__init__()
        # no dropout in here: dropout masks cost more than the matmuls on a CPU; regularisation
        # comes from the temporal layers' dropout
        self.embed = nn.ModuleList([nn.Linear(k, d) if k else nn.Identity() for k in input_dims])
        self.var_grns = nn.ModuleList([GRN(d, d, d) for _ in input_dims])
        self.select = GRN(d * len(input_dims), d, len(input_dims))

    def forward(self, xs):
        emb = [e(x) for e, x in zip(self.embed, xs)]
        w = torch.softmax(self.select(torch.cat(emb, -1)), -1)              # [..., V]
        h = torch.stack([g(x) for g, x in zip(self.var_grns, emb)], -1)     # [..., d, V]
        return (h * w.unsqueeze(-2)).sum(-1), w


class LinearVSN(nn.Module):
    """Variable selection over the temporal inputs: one concatenated input x [B*T, D] whose columns
    belong to V variables (`col_var[c]` = variable of column c), conditioned on the static context.

    Selection weights w = softmax(MLP(x, context)) as in the TFT; each variable's embedding is
    linear, W_v x_v + b_v, so the weighted sum sum_v w_v (W_v x_v + b_v) equals one matmul
    W (x * w[col_var]) + w B: a single [D, d] matmul per position instead of V GRNs. One shared GRN
    then gives the nonlinearity."""

    def __init__(self, col_var, d, d_context, act="relu"):
        super().__init__()
        V, D = max(col_var) + 1, len(col_var)
        self.act = F.relu if act == "relu" else F.elu
        expand = torch.zeros(V, D)
        expand[torch.tensor(col_var), torch.arange(D)] = 1.0
        self.register_buffer("expand", expand)
        self.embed = nn.Linear(D, d, bias=False)
        self.bias = nn.Parameter(torch.zeros(V, d))
        self.sel1 = nn.Linear(D, d)
        self.sel_ctx = nn.Linear(d_context, d, bias=False)
        self.sel2 = nn.Linear(d, V)
        self.grn = GRN(d, d, d, act=act)

    def forward(self, x, context, T):
        """x [B*T, D] (rows b*T+t), context [B, d_context] broadcast over t."""
        h = self.sel1(x)
        h = (h.reshape(-1, T, h.shape[-1]) + self.sel_ctx(context)[:, None]).reshape(-1, h.shape[-1])
        w = torch.softmax(self.sel2(self.act(h)), -1)                       # [..., V]
        emb = self.embed(x * torch.matmul(w, self.expand)) + torch.matmul(w, self.bias)
        return self.grn(emb), w


def metric_time_cols(k, n_metrics, t_cols):
    """Column -> variable map for [z (k x metrics, metric fastest), mask (same), time cols]."""
    per = [i % n_metrics for i in range(k * n_metrics)]
    return per + per + t_cols


class InterpretableAttention(nn.Module):
    """Multi-head attention with one value projection shared by all heads and head outputs
    averaged, so the attention pattern is interpretable. Plain MatMul/Softmax for ONNX."""

    def __init__(self, d, heads):
        super().__init__()
        self.h, self.dk = heads, d // heads
        self.q = nn.Linear(d, self.dk * heads)
        self.k = nn.Linear(d, self.dk * heads)
        self.v = nn.Linear(d, self.dk)
        self.out = nn.Linear(self.dk, d)

    def forward(self, q, kv, bias):
        # q [B, Tq, d], kv [B, Tk, d], bias [B, Tq, Tk] additive (0 or -1e9)
        Tq, Tk = q.shape[1], kv.shape[1]
        qh = self.q(q).reshape(-1, Tq, self.h, self.dk).transpose(1, 2)    # [B, h, Tq, dk]
        kh = self.k(kv).reshape(-1, Tk, self.h, self.dk).permute(0, 2, 3, 1)  # [B, h, dk, Tk]
        scores = torch.matmul(qh, kh) / math.sqrt(self.dk) + bias.unsqueeze(1)
        attn = torch.softmax(scores, -1)
        heads = torch.matmul(attn, self.v(kv).unsqueeze(1))                 # [B, h, Tq, dk]
        return self.out(heads.mean(1)), attn.mean(1)


class TFT(nn.Module):
    """The TFT with linear variable selection for the temporal inputs (LinearVSN) and one shared GRN,
    position-wise layers on 2-D [B*T, d] tensors (exported as Gemm with the bias fused), ReLU in the
    GRNs after the static selection, one output layer for p50 / offsets / gates, |.| for the ordered
    quantile offsets, static enrichment of the decoder positions only, and lean in-graph scaling."""

    def __init__(self, cfg: TFTConfig):
        super().__init__()
        self.cfg = cfg
        d, p, k = cfg.hidden, cfg.dropout, cfg.patch
        L, H, S = cfg.max_encoder_length, cfg.horizon, cfg.season
        if L % k or H % k:
            raise ValueError(f"patch {k} must divide max_encoder_length {L} and horizon {H}")
        if S and not (H <= S <= L):
            raise ValueError(f"season {S} needs horizon {H} <= season <= max_encoder_length {L}")
        if cfg.recent > L:
            raise ValueError(f"recent {cfg.recent} > max_encoder_length {L}")
        Lp, Hp = L // k, H // k
        self.register_buffer("floor", torch.tensor(SCALE_FLOOR))
        self.register_buffer("enc_pos", torch.arange(L, dtype=torch.float32))
        # key position <= query position (causal) for decoder queries at positions Lp..Lp+Hp-1
        causal = torch.arange(Lp + Hp)[None, :] <= (Lp + torch.arange(Hp))[:, None]
        self.register_buffer("causal", causal.float())

        self.profile_emb = nn.Embedding(cfg.n_profiles, d)
        self.static_vsn = VSN([0] + [3] * N_METRICS, d)
        # the initial weights of four more GRNs are drawn and dropped, so that a seeded run starts
        # from the initial weights the shipped 2.0.0 and 3.0.0 were trained from
        for _ in range(4):
            GRN(d, d, d)
        # static covariate encoders: selection context, enrichment, LSTM h0, LSTM c0
        self.static_enc = nn.ModuleList([GRN(d, d, d, dropout=p, act="relu") for _ in range(4)])
        # a position's columns: its `patch` scaled values per metric, their masks, the time features
        t_cols = [N_METRICS, N_METRICS, N_METRICS + 1, N_METRICS + 1, N_METRICS + 2]
        cols = metric_time_cols(k, N_METRICS, t_cols)
        self.enc_vsn = LinearVSN(cols, d, d)
        self.dec_vsn = LinearVSN(cols if S else [c - N_METRICS for c in t_cols], d, d)
        if cfg.recent:
            self.recent_grn = GRN(2 * N_METRICS * cfg.recent, d, d, d, p, "relu")
        if cfg.calibrated:
            assert cfg.calibration_groups in (1, 2), "calibration_groups: 1 (one set) or 2 (by profile known)"
            groups = () if cfg.calibration_groups == 1 else (2,)
            self.register_buffer("q_cal", torch.ones(*groups, H, N_METRICS, 2))
        self.lstm_enc = nn.LSTM(d, d, batch_first=True)
        self.lstm_dec = nn.LSTM(d, d, batch_first=True)
        self.post_lstm = GateAddNorm(d, d, p)
        self.enrich = GRN(d, d, d, d, p, "relu")
        self.attn = InterpretableAttention(d, cfg.heads)
        self.post_attn = GateAddNorm(d, d, p)
        self.pos_grn = GRN(d, d, d, dropout=p, act="relu")
        self.pre_out = GateAddNorm(d, d)
        # one layer: per step and metric [p50, p10 offset, p90 offset, persistence gate
        # (, seasonal gate)], each block k*4 wide, steps within the patch then metrics
        self.n_out = 5 if S else 4
        self.out = nn.Linear(d, self.n_out * k * N_METRICS)
        if S:
            with torch.no_grad():
                self.out.bias[4 * k * N_METRICS:] = -2.0

    @property
    def decoder_vars(self):
        seas = [f"{v}_{self.cfg.season * 5 // 60}h_ago" for v in ENCODER_VARS[:N_METRICS]] if self.cfg.season else []
        return seas + DECODER_VARS

    def calibration(self, prof):
        """the q_cal factors, [H, 4, 2], or [B, H, 4, 2] picked by each row's profile group"""
        if self.cfg.calibration_groups == 1:
            return self.q_cal
        return self.q_cal[(prof > 0).long()]

    def forward(self, past_values, past_mask, encoder_length, past_time, future_time, profile):
        """Raw inputs (export.py's metadata describes them) -> quantiles [B, H, 4, 3] in original units
        and the encoder / decoder / static selection weights. quantiles = base + scale * (p50 and the
        ordered offsets), base = the window mean moved towards the last observed value (and the value
        `season` steps back) by learned gates."""
        cfg = self.cfg
        L, H, k, S, d = cfg.max_encoder_length, cfg.horizon, cfg.patch, cfg.season, cfg.hidden
        Lp, Hp, M = L // k, H // k, N_METRICS
        # every big elementwise op below broadcasts over whole rows (ORT is slow on [B, L, 4] x
        # [B, L, 1] or [B, 1, 4] broadcasts): the validity mask is built [B, L, 4] directly and the
        # per-series center / scale are tiled to a patch row [B, 1, k*4] (layout step-major, metric fastest)
        n_valid = encoder_length.float().clamp(1.0, float(L))                # [B]
        pos4 = self.enc_pos[:, None].expand(L, M)                            # [L, 4] (a constant)
        valid4 = (pos4[None] >= (L - n_valid)[:, None, None]).float()       # [B, L, 4]
        m = past_mask * valid4
        x = torch.where(m > 0, past_values, torch.zeros_like(past_values))
        cnt = m.sum(1)                                                       # [B, 4]
        inv_cnt = 1.0 / cnt.clamp(min=1.0)
        # last observed value: the highest observed index (argmax of index * mask; when nothing is
        # observed every entry is 0, argmax picks 0 where x is 0 too)
        last_i = torch.argmax(m * (pos4 + 1.0)[None], 1, keepdim=True)      # [B, 1, 4]
        last = torch.gather(x, 1, last_i)[:, 0]                              # [B, 4]
        # mean and std of the deviations from the last value: the same numbers as mean(x) and
        # std(x), but the float32 sums run over small values, so onnxruntime and PyTorch (which sum
        # in different orders) agree to far below the golden tolerance
        mp = m.reshape(-1, Lp, k * M)
        xr = (x.reshape(-1, Lp, k * M) - last.repeat(1, k)[:, None]) * mp
        center_r = xr.reshape(-1, L, M).sum(1) * inv_cnt
        center = last + center_r
        dev = (xr - center_r.repeat(1, k)[:, None]) * mp                      # 0 where unobserved
        scale = torch.maximum(torch.sqrt((dev * dev).reshape(-1, L, M).sum(1) * inv_cnt), self.floor)
        z = torch.clamp(dev * (1.0 / scale).repeat(1, k)[:, None], -Z_CLIP, Z_CLIP)  # [B, Lp, k*4]; 0 stays 0
        level = torch.cat([center[:, :3] / 100.0,
                           torch.log1p(center[:, 3:].clamp(min=0.0)) / math.log1p(100.0)], 1)
        stats = torch.stack([level, torch.log(scale), cnt / n_valid[:, None]], -1)
        valid = (self.enc_pos[None, :] >= (L - n_valid)[:, None]).float()   # [B, L]

        prof = torch.where((profile >= 0) & (profile < cfg.n_profiles), profile, torch.zeros_like(profile))
        static, static_w = self.static_vsn([self.profile_emb(prof)] + [stats[:, i] for i in range(M)])
        c_sel, c_enr, c_h, c_c = [enc(static) for enc in self.static_enc]

        vp = valid[:, k - 1::k]                                              # [B, Lp]
        pt = torch.where(vp[..., None] > 0, past_time[:, k - 1::k], torch.zeros_like(past_time[:, k - 1::k]))
        ft = future_time[:, k - 1::k]
        enc_in = torch.cat([z, mp, pt], -1)                                  # [B, Lp, 2*k*4 + 5]
        enc_x, enc_w = self.enc_vsn(enc_in.reshape(-1, enc_in.shape[-1]), c_sel, T=Lp)  # [B*Lp, d]
        enc_x = (enc_x.reshape(-1, Lp, d) * vp[..., None])
        if S:
            # future step j+1 (j = 0..H-1) is `season` steps after encoder index L-S+j
            zs = z.reshape(-1, L, M)[:, L - S:L - S + H].reshape(-1, Hp, k * M)
            ms = m[:, L - S:L - S + H]                                       # [B, H, 4]
            xs = x[:, L - S:L - S + H]
            dec_in = torch.cat([zs, ms.reshape(-1, Hp, k * M), ft], -1)
        else:
            dec_in = ft
        dec_x, dec_w = self.dec_vsn(dec_in.reshape(-1, dec_in.shape[-1]), c_sel, T=Hp)
        dec_x = dec_x.reshape(-1, Hp, d)

        h0, c0 = c_h.unsqueeze(0).contiguous(), c_c.unsqueeze(0).contiguous()
        enc_out, state = self.lstm_enc(enc_x, (h0, c0))
        dec_out, _ = self.lstm_dec(dec_x, state)
        T = Lp + Hp
        vsn_out = torch.cat([enc_x, dec_x], 1).reshape(-1, d)
        temporal = self.post_lstm(torch.cat([enc_out, dec_out], 1).reshape(-1, d), vsn_out)  # [B*T, d]
        # static enrichment of the decoder positions (the queries); keys / values are the temporal
        # features of all positions, so the GRN does not run over the encoder positions
        temporal = temporal.reshape(-1, T, d)
        dec_t = temporal[:, Lp:].reshape(-1, d)
        enriched = self.enrich(dec_t, c_enr, T=Hp)                           # [B*Hp, d]
        key_ok = torch.cat([vp, torch.ones_like(vp[:, :1]).expand(-1, Hp)], 1)
        bias = (1.0 - self.causal[None] * key_ok[:, None, :]) * -1e9
        att, _ = self.attn(enriched.reshape(-1, Hp, d), temporal, bias)      # [B, Hp, d]
        y = self.post_attn(att.reshape(-1, d), enriched)
        y = self.pos_grn(y)
        if cfg.recent:
            n = cfg.recent
            r = torch.cat([z.reshape(-1, L * M)[:, (L - n) * M:], m.reshape(-1, L * M)[:, (L - n) * M:]], -1)
            y = (y.reshape(-1, Hp, d) + self.recent_grn(r, c_enr)[:, None]).reshape(-1, d)
        y = self.pre_out(y, dec_t)

        o = self.out(y).reshape(-1, Hp, self.n_out, k * M)                   # [B, Hp, n_out, k*4]
        parts = [o[:, :, i].reshape(-1, H, M) for i in range(self.n_out)]   # each [B, H, 4]
        p50, lo, hi, g = parts[0], parts[1].abs(), parts[2].abs(), torch.sigmoid(parts[3])
        base = center[:, None] - g * center_r[:, None]                       # center + g (last - center)
        if S:
            gs = torch.sigmoid(parts[4]) * ms
            base = base + gs * (xs - base)
        sc = scale[:, None]                                                  # [B, 1, 4]
        mid = base + sc * p50
        if cfg.calibrated:
            qc = self.calibration(prof)
            lo_s, hi_s = sc * qc[..., 0], sc * qc[..., 1]                    # [B, H, 4]
        else:
            lo_s = hi_s = sc
        quantiles = torch.stack([mid - lo_s * lo, mid, mid + hi_s * hi], -1)

        enc_w = enc_w.reshape(-1, Lp, enc_w.shape[-1])
        encoder_weights = (enc_w * vp[..., None]).sum(1) / vp.sum(1, keepdim=True)
        decoder_weights = dec_w.reshape(-1, Hp, dec_w.shape[-1]).mean(1)
        return quantiles, encoder_weights, decoder_weights, static_w


OUTPUT_NAMES = ["quantiles", "encoder_weights", "decoder_weights", "static_weights"]


def n_params(model):
    return sum(p.numel() for p in model.parameters())
