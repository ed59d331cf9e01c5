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
# at 0.1 % cpu and a floor of 1 % made the band ten times wider than the whole series
SCALE_FLOOR = [0.05, 0.05, 0.05, 0.01]
Z_CLIP = 20.0  # a spike after a flat window stays a big input, not an unbounded one


@dataclass
class TFTConfig:
    max_encoder_length: int = 144
    horizon: int = 96
    hidden: int = 32
    heads: int = 4
    dropout: float = 0.1
    n_profiles: int = 8
    # steps per temporal position: the LSTMs and attention run over (L + H) / patch positions and
    # each decoder position emits `patch` steps. 1 is the classic per-step TFT; 3 (15 min) does a
    # third of the work and a ninth of the attention, for the same 5-min outputs
    patch: int = 1


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

    def __init__(self, d_in, d_hidden, d_out, d_context=None, dropout=0.0):
        super().__init__()
        self.skip = nn.Linear(d_in, d_out) if d_in != d_out else None
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.ctx = nn.Linear(d_context, d_hidden, bias=False) if d_context else None
        self.fc2 = nn.Linear(d_hidden, d_hidden)
        self.gate = GateAddNorm(d_hidden, d_out, dropout)

    def forward(self, x, context=None):
        skip = self.skip(x) if self.skip is not None else x
        h = self.fc1(x)
        if context is not None:
            h = h + self.ctx(context)
        h = self.fc2(F.elu(h))
        return self.gate(h, skip)


class VSN(nn.Module):
    """Variable selection: embed each variable, a GRN per variable, softmax weights from a GRN
    over all of them (conditioned on the static context)."""

    def __init__(self, input_dims, d, d_context=None):
        super().__init__()
        # no dropout in here: it is the widest part of the net and dropout masks cost more than
        # the matmuls on a CPU; regularisation comes from the temporal layers' dropout
        self.embed = nn.ModuleList([nn.Linear(k, d) if k else nn.Identity() for k in input_dims])
        self.var_grns = nn.ModuleList([GRN(d, d, d) for _ in input_dims])
        self.select = GRN(d * len(input_dims), d, len(input_dims), d_context)

    def forward(self, xs, context=None):
        emb = [e(x) for e, x in zip(self.embed, xs)]
        w = torch.softmax(self.select(torch.cat(emb, -1), context), -1)      # [..., V]
        h = torch.stack([g(x) for g, x in zip(self.var_grns, emb)], -1)     # [..., d, V]
        return (h * w.unsqueeze(-2)).sum(-1), w


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
    def __init__(self, cfg: TFTConfig):
        super().__init__()
        self.cfg = cfg
        d, p, k = cfg.hidden, cfg.dropout, cfg.patch
        L, H = cfg.max_encoder_length, cfg.horizon
        if L % k or H % k:
            raise ValueError(f"patch {k} must divide max_encoder_length {L} and horizon {H}")
        Lp, Hp = L // k, H // k
        self.register_buffer("floor", torch.tensor(SCALE_FLOOR))
        self.register_buffer("enc_pos", torch.arange(L, dtype=torch.float32))
        # key position <= query position (causal) for decoder queries at positions Lp..Lp+Hp-1
        causal = torch.arange(Lp + Hp)[None, :] <= (Lp + torch.arange(Hp))[:, None]
        self.register_buffer("causal", causal.float())

        self.profile_emb = nn.Embedding(cfg.n_profiles, d)
        self.static_vsn = VSN([0] + [3] * N_METRICS, d)
        # static covariate encoders: selection context, enrichment, LSTM h0, LSTM c0
        self.static_enc = nn.ModuleList([GRN(d, d, d, dropout=p) for _ in range(4)])
        # a metric's input at one position: its `patch` scaled values and their masks
        self.enc_vsn = VSN([2 * k] * N_METRICS + [2, 2, 1], d, d)
        self.dec_vsn = VSN([2, 2, 1], d, d)
        self.lstm_enc = nn.LSTM(d, d, batch_first=True)
        self.lstm_dec = nn.LSTM(d, d, batch_first=True)
        self.post_lstm = GateAddNorm(d, d, p)
        self.enrich = GRN(d, d, d, d, p)
        self.attn = InterpretableAttention(d, cfg.heads)
        self.post_attn = GateAddNorm(d, d, p)
        self.pos_grn = GRN(d, d, d, dropout=p)
        self.pre_out = GateAddNorm(d, d)
        self.head = nn.Linear(d, k * N_METRICS * len(QUANTILES))
        # how much of the forecast base is the last observed value rather than the window mean:
        # slow metrics (disk, memory) are close to persistence, noisy ones (cpu) revert to the mean
        self.persist = nn.Linear(d, k * N_METRICS)

    def scaling(self, x, m, n_valid):
        """Masked mean / std over the valid encoder steps; x is already 0 where m is 0."""
        cnt = m.sum(1)                                                       # [B, 4]
        center = x.sum(1) / cnt.clamp(min=1.0)
        var = (((x - center[:, None]) * m) ** 2).sum(1) / cnt.clamp(min=1.0)
        scale = torch.maximum(torch.sqrt(var), self.floor)
        frac = cnt / n_valid[:, None]
        level = torch.cat([center[:, :3] / 100.0,
                           torch.log1p(center[:, 3:].clamp(min=0.0)) / math.log1p(100.0)], 1)
        stats = torch.stack([level, torch.log(scale), frac], -1)             # [B, 4, 3]
        return center, scale, stats

    def last_observed(self, x, m):
        """Last observed value per metric inside the valid encoder window (0 when none)."""
        pos = m * (self.enc_pos + 1.0)[None, :, None]
        is_last = (pos == torch.amax(pos, 1, keepdim=True)).float() * m
        return (x * is_last).sum(1)

    def forward(self, past_values, past_mask, encoder_length, past_time, future_time, profile):
        L, H = self.cfg.max_encoder_length, self.cfg.horizon
        n_valid = encoder_length.float().clamp(1.0, float(L))                # [B]
        valid = (self.enc_pos[None, :] >= (L - n_valid)[:, None]).float()   # [B, L]
        m = past_mask * valid[..., None]
        # where() rather than a product so a NaN under mask 0 cannot leak either
        x = torch.where(m > 0, past_values, torch.zeros_like(past_values))
        center, scale, stats = self.scaling(x, m, n_valid)
        z = torch.clamp((x - center[:, None]) / scale[:, None], -Z_CLIP, Z_CLIP) * m

        # static covariates
        prof = torch.where((profile >= 0) & (profile < self.cfg.n_profiles), profile, torch.zeros_like(profile))
        static, static_w = self.static_vsn([self.profile_emb(prof)] + [stats[:, i] for i in range(N_METRICS)])
        c_sel, c_enr, c_h, c_c = [enc(static) for enc in self.static_enc]

        # variable selection over positions of `patch` steps. Padding is on the left, so a position
        # is valid when its last step is; time features are those of that last step. Padded
        # positions get their time features zeroed too
        k, Lp = self.cfg.patch, L // self.cfg.patch
        vp = valid[:, k - 1::k]                                               # [B, Lp]
        pt = torch.where(vp[..., None] > 0, past_time[:, k - 1::k], torch.zeros_like(past_time[:, k - 1::k]))
        ft = future_time[:, k - 1::k]
        enc_in = [torch.cat([z[..., i].reshape(-1, Lp, k), m[..., i].reshape(-1, Lp, k)], -1)
                  for i in range(N_METRICS)]
        enc_in += [pt[..., 0:2], pt[..., 2:4], pt[..., 4:5]]
        enc_x, enc_w = self.enc_vsn(enc_in, c_sel[:, None])
        enc_x = enc_x * vp[..., None]  # the LSTM sees exactly zero input on padding
        dec_x, dec_w = self.dec_vsn([ft[..., 0:2], ft[..., 2:4], ft[..., 4:5]], c_sel[:, None])

        # LSTM encoder/decoder seeded from the static context
        h0, c0 = c_h.unsqueeze(0).contiguous(), c_c.unsqueeze(0).contiguous()
        enc_out, state = self.lstm_enc(enc_x, (h0, c0))
        dec_out, _ = self.lstm_dec(dec_x, state)
        vsn_out = torch.cat([enc_x, dec_x], 1)
        temporal = self.post_lstm(torch.cat([enc_out, dec_out], 1), vsn_out)  # [B, Lp+Hp, d]

        # static enrichment, then masked self-attention with decoder queries
        enriched = self.enrich(temporal, c_enr[:, None])
        key_ok = torch.cat([vp, torch.ones_like(vp[:, :1]).expand(-1, H // k)], 1)  # [B, Lp+Hp]
        allowed = self.causal[None] * key_ok[:, None, :]
        bias = (1.0 - allowed) * -1e9
        att, _ = self.attn(enriched[:, Lp:], enriched, bias)
        y = self.post_attn(att, enriched[:, Lp:])
        y = self.pos_grn(y)
        y = self.pre_out(y, temporal[:, Lp:])

        # quantiles ordered by construction: p50 and two softplus offsets around a base that
        # mixes the window mean and the last observed value
        raw = self.head(y).reshape(-1, H, N_METRICS, 3)
        p50 = raw[..., 1]
        q = torch.stack([p50 - F.softplus(raw[..., 0]), p50, p50 + F.softplus(raw[..., 2])], -1)
        g = torch.sigmoid(self.persist(y)).reshape(-1, H, N_METRICS)         # [B, H, 4]
        base = center[:, None] + g * (self.last_observed(x, m) - center)[:, None]
        quantiles = base[..., None] + scale[:, None, :, None] * q

        encoder_weights = (enc_w * vp[..., None]).sum(1) / vp.sum(1, keepdim=True)
        decoder_weights = dec_w.mean(1)
        return quantiles, encoder_weights, decoder_weights, static_w


OUTPUT_NAMES = ["quantiles", "encoder_weights", "decoder_weights", "static_weights"]


def n_params(model):
    return sum(p.numel() for p in model.parameters())
