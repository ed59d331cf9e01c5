"""Model 2 pieces: the fast layout, the 24 h seasonal decoder input, the recent-steps GRN and the
in-graph quantile calibration. The 1.2.0 guarantees (padding / mask invariance, ordered quantiles,
independent batch items) must hold for them too, and a 1.2.0 checkpoint must still load."""
import json
import os
import unittest

import numpy as np
import torch

from tests import _path  # noqa: F401
import features as ft
from model import DECODER_VARS, ENCODER_VARS, STATIC_VARS, TFT, TFTConfig
from synthetic import synthetic_records

L, H, S = 288, 96, 288
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def make_inputs(B=3, seed=0, L=L):
    series = [ft.bin_records(f"s{i}", synthetic_records(i, 4, seed), 0) for i in range(B)]
    store = ft.WindowStore(series, L, H)
    n = np.array([L, 40, 12][:B] + [L] * max(0, B - 3))
    b = store.batch(np.arange(B), np.full(B, 700), n)
    b["profile"] = np.arange(B) % len(ft.PROFILES)
    b["past_mask"][0, 100:110, 1] = 0  # a gap in memory
    b["past_mask"][0, 10:20, 0] = 0    # a gap in cpu inside the seasonal window
    b["past_values"] *= b["past_mask"]
    return {k: torch.from_numpy(np.ascontiguousarray(b[k])) for k in ft.INPUT_NAMES}


def model2_config(**kw):
    base = dict(max_encoder_length=L, patch=6, vsn="linear", season=S, recent=12, fast=True)
    base.update(kw)
    return TFTConfig(**base)


class Guarantees:
    """What every layout keeps of 1.2.0 (mixed into a TestCase with its `cfg`)."""
    cfg: TFTConfig

    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.model = TFT(cls.cfg).eval()

    def run_model(self, x, model=None):
        with torch.no_grad():
            return (model or self.model)(*[x[k] for k in ft.INPUT_NAMES])

    def test_shapes_and_weights(self):
        q, ew, dw, sw = self.run_model(make_inputs())
        self.assertEqual(tuple(q.shape), (3, H, 4, 3))
        self.assertEqual(tuple(ew.shape), (3, len(ENCODER_VARS)))
        self.assertEqual(tuple(dw.shape), (3, len(self.model.decoder_vars)))
        self.assertEqual(tuple(sw.shape), (3, len(STATIC_VARS)))
        for w in (ew, dw, sw):
            torch.testing.assert_close(w.sum(-1), torch.ones(3))
        if self.cfg.season:
            self.assertEqual(self.model.decoder_vars[:4], [f"{v}_24h_ago" for v in ENCODER_VARS[:4]])
        self.assertEqual(self.model.decoder_vars[-3:], DECODER_VARS)

    def test_quantiles_ordered(self):
        x = make_inputs()
        x["past_values"] = x["past_values"] * 3 + 1e3 * torch.randn_like(x["past_values"]) * x["past_mask"]
        q = self.run_model(x)[0]
        self.assertTrue(torch.all(q[..., 0] <= q[..., 1]))
        self.assertTrue(torch.all(q[..., 1] <= q[..., 2]))

    def test_masked_and_padded_inputs_cannot_change_outputs(self):
        x = make_inputs()
        ref = self.run_model(x)
        y = {k: v.clone() for k, v in x.items()}
        y["past_values"][0, 100:110, 1] = 77.0          # under mask 0 (gap)
        y["past_values"][0, 10:20, 0] = 55.0            # under mask 0, 24 h before the horizon
        y["past_values"][1, : L - 40] = 55.0            # padding of the 40-step series
        y["past_mask"][1, : L - 40] = 1.0               # even a wrong mask in the padding
        y["past_time"][2, : L - 12] = float("nan")      # padding time features
        y["past_values"][2, : L - 12] = float("nan")
        out = self.run_model(y)
        for a, b in zip(ref, out):
            torch.testing.assert_close(a, b, rtol=0, atol=0)

    def test_nan_under_mask_is_ignored(self):
        x = make_inputs()
        ref = self.run_model(x)[0]
        x["past_values"][0, 100:110, 1] = float("nan")
        torch.testing.assert_close(self.run_model(x)[0], ref, rtol=0, atol=0)

    def test_observed_values_do_change_outputs(self):
        x = make_inputs()
        ref = self.run_model(x)[0]
        x["past_values"][1, L - 5, 0] += 30.0
        out = self.run_model(x)[0]
        self.assertGreater((out[1] - ref[1]).abs().max().item(), 1e-3)
        torch.testing.assert_close(out[0], ref[0])  # no leak across the batch

    def test_batch_items_are_independent(self):
        x = make_inputs()
        full = self.run_model(x)[0]
        one = self.run_model({k: v[1:2] for k, v in x.items()})[0]
        torch.testing.assert_close(one[0], full[1], rtol=1e-5, atol=1e-4)



class SeasonalInput:
    """The 24 h seasonal decoder input (mixed into a TestCase whose `cfg` has `season`)."""

    def test_seasonal_decoder_input_is_exactly_season_steps_back(self):
        """Capture what the decoder VSN gets: for decoder position j its seasonal columns must be
        the scaled values / masks of future steps j*k+1..(j+1)*k minus `season`, i.e. encoder
        indices L-S+j*k..L-S+(j+1)*k-1, and nothing else."""
        k, M, Hp = self.cfg.patch, 4, H // self.cfg.patch
        x = make_inputs(B=1)
        got = {}
        hook = self.model.dec_vsn.register_forward_hook(lambda mod, inp, out: got.update(x=inp[0]) and None)
        try:
            self.run_model(x)
        finally:
            hook.remove()
        classic = isinstance(got["x"], (list, tuple))  # per-variable inputs [z_i (k), mask_i (k)]
        dec = got["x"] if classic else got["x"].reshape(1, Hp, -1)
        pv, pm = x["past_values"][0].double(), x["past_mask"][0].double()
        cnt = pm.sum(0)
        center = pv.sum(0) / cnt
        scale = torch.sqrt((((pv - center) * pm) ** 2).sum(0) / cnt).clamp(min=0.05)
        z = ((pv - center) / scale).clamp(-20, 20) * pm
        for j in range(Hp):
            steps = torch.arange(L - S + j * k, L - S + (j + 1) * k)   # future steps j*k+1.. minus S
            want_z = z[steps].reshape(-1)                                 # step-major, metric fastest
            want_m = pm[steps].reshape(-1)
            if classic:
                for i in range(M):
                    np.testing.assert_allclose(dec[i][0, j, :k].numpy(), z[steps, i].numpy(), atol=2e-5)
                    np.testing.assert_array_equal(dec[i][0, j, k:].numpy(), pm[steps, i].numpy())
            else:
                np.testing.assert_allclose(dec[0, j, :k * M].numpy(), want_z.numpy(), atol=2e-5)
                np.testing.assert_array_equal(dec[0, j, k * M:2 * k * M].numpy(), want_m.numpy())
        # and a value S steps before future step h moves the forecast
        ref = self.run_model(x)[0]
        x["past_values"][0, L - S + 30, 0] += 40.0
        self.assertGreater((self.run_model(x)[0] - ref).abs().max().item(), 1e-3)


class Model2Test(Guarantees, SeasonalInput, unittest.TestCase):
    """The candidate's layout: fast, seasonal input, recent steps; and its calibration."""
    cfg = model2_config()

    def test_calibration_scales_the_offsets(self):
        cal_cfg = TFTConfig(**{**self.cfg.__dict__, "calibrated": True})
        cal = TFT(cal_cfg).eval()
        cal.load_state_dict(self.model.state_dict(), strict=False)
        x = make_inputs()
        ref = self.run_model(x)[0]
        torch.testing.assert_close(self.run_model(x, cal)[0], ref)   # q_cal starts at 1
        with torch.no_grad():
            cal.q_cal[..., 0] = 2.0
            cal.q_cal[:10, 2, 1] = 0.5
        q = self.run_model(x, cal)[0]
        torch.testing.assert_close(q[..., 1], ref[..., 1])
        torch.testing.assert_close(q[..., 1] - q[..., 0], 2 * (ref[..., 1] - ref[..., 0]))
        torch.testing.assert_close(q[:, :10, 2, 2] - q[:, :10, 2, 1], 0.5 * (ref[:, :10, 2, 2] - ref[:, :10, 2, 1]))
        torch.testing.assert_close(q[:, 10:, :, 2], ref[:, 10:, :, 2])

    def test_calibration_by_profile_group(self):
        cal = TFT(TFTConfig(**{**self.cfg.__dict__, "calibrated": True, "calibration_groups": 2})).eval()
        cal.load_state_dict(self.model.state_dict(), strict=False)
        self.assertEqual(tuple(cal.q_cal.shape), (2, H, 4, 2))
        x = make_inputs()   # profiles 0 (unknown), 1, 2
        ref = self.run_model(x)[0]
        with torch.no_grad():
            cal.q_cal[0] = 2.0   # no known profile
            cal.q_cal[1] = 0.5   # a known profile
        q = self.run_model(x, cal)[0]
        torch.testing.assert_close(q[..., 1], ref[..., 1])
        torch.testing.assert_close(q[0, ..., 2] - q[0, ..., 1], 2 * (ref[0, ..., 2] - ref[0, ..., 1]))
        torch.testing.assert_close(q[1:, ..., 1] - q[1:, ..., 0], 0.5 * (ref[1:, ..., 1] - ref[1:, ..., 0]))


class Model2NoSeasonTest(Guarantees, unittest.TestCase):
    """The fast layout without the seasonal input (and a 12 h encoder) keeps the guarantees."""
    cfg = TFTConfig(max_encoder_length=288, patch=6, vsn="linear", fast=True, recent=6)


class ClassicLayoutWithSeasonTest(Guarantees, SeasonalInput, unittest.TestCase):
    """The seasonal input and recent GRN also work in the classic (1.2.0) layout with per-variable GRNs."""
    cfg = TFTConfig(max_encoder_length=288, patch=6, vsn="grn", season=288, recent=12)


class ConformalFactorsTest(unittest.TestCase):
    def test_factors_bring_coverage_to_80_percent(self):
        import calibrate
        rng = np.random.default_rng(0)
        N = 4000
        pred = np.zeros((N, H, 4, 3), np.float32)
        pred[..., 0], pred[..., 2] = -1.0, 1.0                        # a band of +-1 ...
        sd = np.array([2.0, 0.5, 1.0, 1.0])[None, None]                # ... around errors of sd 2 / 0.5 / 1
        y = (rng.normal(size=(N, H, 4)) * sd).astype(np.float32)
        m = np.ones((N, H, 4), np.float32)
        m[:, :, 3] = 0                                                 # a metric never observed
        f, _ = calibrate.conformal_factors(pred, y, m)
        np.testing.assert_allclose(f[:, :3], np.broadcast_to(1.2816 * sd[0, :, :3, None], (H, 3, 2)), rtol=0.06)
        np.testing.assert_array_equal(f[:, 3], 1.0)
        cal = pred.copy()
        cal[..., 0] = -f[None, ..., 0]
        cal[..., 2] = f[None, ..., 1]
        cov = calibrate.coverage_table(cal, y, m)
        for name in ft.METRICS[:3]:
            self.assertAlmostEqual(cov[name]["h1-96"], 0.8, delta=0.01)


class ConfigTest(unittest.TestCase):
    def test_defaults_are_the_1_2_0_model(self):
        c = TFTConfig()
        self.assertEqual((c.vsn, c.season, c.recent, c.calibrated, c.fast), ("grn", 0, 0, False, False))

    def test_invalid_configs(self):
        with self.assertRaisesRegex(ValueError, "season"):
            TFT(TFTConfig(max_encoder_length=144, patch=3, season=288))
        with self.assertRaisesRegex(ValueError, "fast needs"):
            TFT(TFTConfig(fast=True))

    def test_shipped_1_2_0_checkpoint_still_loads_and_matches_its_golden_vectors(self):
        d = os.path.join(ROOT, "models", "tft", "1.2.0")
        ck = torch.load(os.path.join(d, "weights.pt"), map_location="cpu")
        model = TFT(TFTConfig(**ck["model_config"])).eval()
        model.load_state_dict(ck["model"])  # strict
        with open(os.path.join(d, "golden.json")) as f:
            case = json.load(f)["cases"][0]
        inp = {}
        for k, t in case["inputs"].items():
            dt = np.int64 if t["dtype"] == "int64" else np.float32
            inp[k] = torch.from_numpy(np.asarray(t["data"], dt).reshape(t["shape"]))
        with torch.no_grad():
            q = model(*[inp[k] for k in ft.INPUT_NAMES])[0].numpy()
        want = np.asarray(case["outputs"]["quantiles"]["data"], np.float32).reshape(q.shape)
        np.testing.assert_allclose(q, want, atol=1e-4)


if __name__ == "__main__":
    unittest.main()
