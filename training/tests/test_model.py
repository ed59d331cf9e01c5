"""The TFT's guarantees (padding / mask invariance, ordered quantiles, independent batch items) for the
shipped shape and the shape switches (no seasonal input, another patch), the seasonal decoder input,
and the shipped checkpoints against their golden vectors."""
import json
import os
import unittest

import numpy as np
import torch

from tests import _path  # noqa: F401
import features as ft
from model import DECODER_VARS, ENCODER_VARS, STATIC_VARS, TFT, TFTConfig
from synthetic import synthetic_records

H = 96
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def make_inputs(L, B=3, seed=0):
    series = [ft.bin_records(f"s{i}", synthetic_records(i, 4, seed), 0) for i in range(B)]
    store = ft.WindowStore(series, L, H)
    n = np.array([L, 40, 12][:B] + [L] * max(0, B - 3))
    b = store.batch(np.arange(B), np.full(B, 700), n)
    b["profile"] = np.arange(B) % len(ft.PROFILES)
    b["past_mask"][0, 100:110, 1] = 0  # a gap in memory
    b["past_mask"][0, 10:20, 0] = 0    # a gap in cpu (inside the seasonal window when L = 288)
    b["past_values"] *= b["past_mask"]
    return {k: torch.from_numpy(np.ascontiguousarray(b[k])) for k in ft.INPUT_NAMES}


class Guarantees:
    """What every shape keeps (mixed into a TestCase with its `cfg`)."""
    cfg: TFTConfig

    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.model = TFT(cls.cfg).eval()
        cls.L = cls.cfg.max_encoder_length

    def inputs(self, B=3):
        return make_inputs(self.L, B)

    def run_model(self, x, model=None):
        with torch.no_grad():
            return (model or self.model)(*[x[k] for k in ft.INPUT_NAMES])

    def test_shapes_and_weights(self):
        q, ew, dw, sw = self.run_model(self.inputs())
        self.assertEqual(tuple(q.shape), (3, H, 4, 3))
        self.assertEqual(tuple(ew.shape), (3, len(ENCODER_VARS)))
        self.assertEqual(tuple(dw.shape), (3, len(self.model.decoder_vars)))
        self.assertEqual(tuple(sw.shape), (3, len(STATIC_VARS)))
        for w in (ew, dw, sw):
            torch.testing.assert_close(w.sum(-1), torch.ones(3))
        hours = self.cfg.season * 5 // 60   # 300 s steps
        seasonal = [f"{v}_{hours}h_ago" for v in ENCODER_VARS[:4]] if self.cfg.season else []
        self.assertEqual(self.model.decoder_vars, seasonal + DECODER_VARS)

    def test_quantiles_ordered(self):
        x = self.inputs()
        x["past_values"] = x["past_values"] * 3 + 1e3 * torch.randn_like(x["past_values"]) * x["past_mask"]
        q = self.run_model(x)[0]
        self.assertTrue(torch.all(q[..., 0] <= q[..., 1]))
        self.assertTrue(torch.all(q[..., 1] <= q[..., 2]))

    def test_masked_and_padded_inputs_cannot_change_outputs(self):
        L, x = self.L, self.inputs()
        ref = self.run_model(x)
        y = {k: v.clone() for k, v in x.items()}
        y["past_values"][0, 100:110, 1] = 77.0          # under mask 0 (gap)
        y["past_values"][0, 10:20, 0] = 55.0            # under mask 0
        y["past_values"][1, : L - 40] = 55.0            # padding of the 40-step series (starts inside a patch)
        y["past_mask"][1, : L - 40] = 1.0               # even a wrong mask in the padding
        y["past_time"][2, : L - 12] = float("nan")      # padding time features
        y["past_values"][2, : L - 12] = float("nan")
        out = self.run_model(y)
        for a, b in zip(ref, out):
            torch.testing.assert_close(a, b, rtol=0, atol=0)

    def test_nan_under_mask_is_ignored(self):
        x = self.inputs()
        ref = self.run_model(x)[0]
        x["past_values"][0, 100:110, 1] = float("nan")
        torch.testing.assert_close(self.run_model(x)[0], ref, rtol=0, atol=0)

    def test_observed_values_do_change_outputs(self):
        # the guard against a masking test that passes because nothing is ever used
        x = self.inputs()
        ref = self.run_model(x)[0]
        x["past_values"][1, self.L - 5, 0] += 30.0
        out = self.run_model(x)[0]
        self.assertGreater((out[1] - ref[1]).abs().max().item(), 1e-3)
        torch.testing.assert_close(out[0], ref[0])  # no leak across the batch

    def test_batch_items_are_independent(self):
        x = self.inputs()
        full = self.run_model(x)[0]
        one = self.run_model({k: v[1:2] for k, v in x.items()})[0]
        torch.testing.assert_close(one[0], full[1], rtol=1e-5, atol=1e-4)


class ShippedShapeTest(Guarantees, unittest.TestCase):
    """TFTConfig's defaults: the shipped model's shape (24 h encoder, 30-min positions, seasonal input,
    recent steps)."""
    cfg = TFTConfig()

    def test_defaults_and_size(self):
        c = self.cfg
        self.assertEqual((c.max_encoder_length, c.patch, c.season, c.recent, c.calibrated), (288, 6, 288, 12, False))
        self.assertEqual(self.model.decoder_vars[:4], [f"{v}_24h_ago" for v in ENCODER_VARS[:4]])
        n = sum(p.numel() for p in self.model.parameters())
        self.assertTrue(50_000 <= n <= 150_000, n)

    def test_seasonal_decoder_input_is_exactly_season_steps_back(self):
        """Capture what the decoder VSN gets: for decoder position j its seasonal columns must be
        the scaled values / masks of future steps j*k+1..(j+1)*k minus `season`, i.e. encoder
        indices L-S+j*k..L-S+(j+1)*k-1, and nothing else."""
        L, S, k, M = self.L, self.cfg.season, self.cfg.patch, 4
        Hp = H // k
        x = self.inputs(B=1)
        got = {}
        hook = self.model.dec_vsn.register_forward_hook(lambda mod, inp, out: got.update(x=inp[0]) and None)
        try:
            self.run_model(x)
        finally:
            hook.remove()
        dec = got["x"].reshape(1, Hp, -1)
        pv, pm = x["past_values"][0].double(), x["past_mask"][0].double()
        cnt = pm.sum(0)
        center = pv.sum(0) / cnt
        scale = torch.sqrt((((pv - center) * pm) ** 2).sum(0) / cnt).clamp(min=0.05)
        z = ((pv - center) / scale).clamp(-20, 20) * pm
        for j in range(Hp):
            steps = torch.arange(L - S + j * k, L - S + (j + 1) * k)   # future steps j*k+1.. minus S
            np.testing.assert_allclose(dec[0, j, :k * M].numpy(), z[steps].reshape(-1).numpy(), atol=2e-5)
            np.testing.assert_array_equal(dec[0, j, k * M:2 * k * M].numpy(), pm[steps].reshape(-1).numpy())
        # and a value S steps before future step h moves the forecast
        ref = self.run_model(x)[0]
        x["past_values"][0, L - S + 30, 0] += 40.0
        self.assertGreater((self.run_model(x)[0] - ref).abs().max().item(), 1e-3)


class NoSeasonTest(Guarantees, unittest.TestCase):
    """Without the seasonal input, a 12 h encoder and fewer recent steps."""
    cfg = TFTConfig(max_encoder_length=144, season=0, recent=6)


class PerStepTest(Guarantees, unittest.TestCase):
    """patch 1: one position per step, no seasonal input, no recent steps."""
    cfg = TFTConfig(max_encoder_length=144, patch=1, season=0, recent=0)


class Patch3Test(Guarantees, unittest.TestCase):
    """15-min positions and a 12 h season over a 12 h encoder."""
    cfg = TFTConfig(max_encoder_length=144, patch=3, season=144, recent=12)


class ConfigTest(unittest.TestCase):
    def test_invalid_configs(self):
        with self.assertRaisesRegex(ValueError, "season"):
            TFT(TFTConfig(max_encoder_length=144, patch=3, season=288))
        with self.assertRaisesRegex(ValueError, "patch 5 must divide"):
            TFT(TFTConfig(patch=5))
        with self.assertRaisesRegex(ValueError, "recent"):
            TFT(TFTConfig(max_encoder_length=144, season=0, recent=200))

    def test_from_dict_takes_the_layout_switches_of_older_checkpoints(self):
        new = {"max_encoder_length": 288, "patch": 6, "season": 288, "recent": 12}
        self.assertEqual(TFTConfig.from_dict(new), TFTConfig())
        self.assertEqual(TFTConfig.from_dict({**new, "vsn": "linear", "fast": True}), TFTConfig())
        with self.assertRaisesRegex(ValueError, "classic TFT layout"):
            TFTConfig.from_dict({**new, "vsn": "grn", "fast": False})
        with self.assertRaisesRegex(ValueError, "classic TFT layout"):  # 1.2.0's: neither key, no season
            TFTConfig.from_dict({"max_encoder_length": 144, "patch": 3})


def golden_max_abs_diff(model, golden):
    worst = 0.0
    for case in golden["cases"] + golden["end_to_end"]["cases"]:
        inp = {k: torch.from_numpy(np.asarray(t["data"], np.int64 if t["dtype"] == "int64" else np.float32)
                                   .reshape(t["shape"])) for k, t in case["inputs"].items()}
        with torch.no_grad():
            out = model(*[inp[k] for k in ft.INPUT_NAMES])
        for name, o in zip(["quantiles", "encoder_weights", "decoder_weights", "static_weights"], out):
            want = np.asarray(case["outputs"][name]["data"], np.float64)
            worst = max(worst, float(np.abs(o.numpy().ravel().astype(np.float64) - want).max()))
    return worst


class ShippedCheckpointsTest(unittest.TestCase):
    """models/tft/<version>/weights.pt load strictly into model.py and reproduce the version's golden
    vectors (the outputs export.py wrote from that model) within the runner's parity tolerance."""

    def check(self, version):
        d = os.path.join(ROOT, "models", "tft", version)
        ck = torch.load(os.path.join(d, "weights.pt"), map_location="cpu")
        model = TFT(TFTConfig.from_dict(ck["model_config"])).eval()
        model.load_state_dict(ck["model"])  # strict
        with open(os.path.join(d, "golden.json")) as f:
            golden = json.load(f)
        self.assertLess(golden_max_abs_diff(model, golden), golden["tolerance"]["outputs_max_abs_diff"])

    def test_3_0_0(self):
        self.check("3.0.0")

    def test_2_0_0(self):
        self.check("2.0.0")

    def test_1_2_0_is_refused_with_a_reason(self):
        ck = torch.load(os.path.join(ROOT, "models", "tft", "1.2.0", "weights.pt"), map_location="cpu")
        with self.assertRaisesRegex(ValueError, "classic TFT layout"):
            TFTConfig.from_dict(ck["model_config"])


if __name__ == "__main__":
    unittest.main()
