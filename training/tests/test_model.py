import unittest

import numpy as np
import torch

from tests import _path  # noqa: F401
import features as ft
from model import DECODER_VARS, ENCODER_VARS, STATIC_VARS, TFT, TFTConfig
from synthetic import synthetic_records

L, H = 144, 96


def make_inputs(B=3, seed=0):
    series = [ft.bin_records(f"s{i}", synthetic_records(i, 3, seed), 0) for i in range(B)]
    store = ft.WindowStore(series, L, H)
    n = np.array([L, 40, 12][:B] + [L] * max(0, B - 3))
    b = store.batch(np.arange(B), np.full(B, 500), n)
    b["profile"] = np.arange(B) % len(ft.PROFILES)
    b["past_mask"][0, 100:110, 1] = 0  # a gap in memory
    b["past_values"] *= b["past_mask"]
    return {k: torch.from_numpy(np.ascontiguousarray(b[k])) for k in ft.INPUT_NAMES}


class ModelTest(unittest.TestCase):
    patch = 1

    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.model = TFT(TFTConfig(patch=cls.patch)).eval()

    def run_model(self, x):
        with torch.no_grad():
            return self.model(*[x[k] for k in ft.INPUT_NAMES])

    def test_shapes_and_weights(self):
        q, ew, dw, sw = self.run_model(make_inputs())
        self.assertEqual(tuple(q.shape), (3, H, 4, 3))
        self.assertEqual(tuple(ew.shape), (3, len(ENCODER_VARS)))
        self.assertEqual(tuple(dw.shape), (3, len(DECODER_VARS)))
        self.assertEqual(tuple(sw.shape), (3, len(STATIC_VARS)))
        for w in (ew, dw, sw):
            torch.testing.assert_close(w.sum(-1), torch.ones(3))
        n = sum(p.numel() for p in self.model.parameters())
        self.assertTrue(50_000 <= n <= 150_000, n)

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
        # the guard against a masking test that passes because nothing is ever used
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


class PatchedModelTest(ModelTest):
    """The same guarantees with 15-min positions: padding that starts inside a patch (the 40-step
    series) must not leak either."""
    patch = 3

    def test_patch_must_divide_the_windows(self):
        with self.assertRaisesRegex(ValueError, "patch 5 must divide"):
            TFT(TFTConfig(patch=5))


class LastObservedTest(unittest.TestCase):
    def test_picks_last_observed_valid_step(self):
        model = TFT(TFTConfig())
        x = torch.zeros(1, L, 4)
        m = torch.zeros(1, L, 4)
        x[0, L - 10:, 0] = torch.arange(10.0) + 1   # cpu observed up to the end
        m[0, L - 10:, 0] = 1
        x[0, L - 20, 1], m[0, L - 20, 1] = 42.0, 1  # memory last seen 20 steps ago
        np.testing.assert_allclose(model.last_observed(x, m)[0].numpy(), [10.0, 42.0, 0.0, 0.0])


if __name__ == "__main__":
    unittest.main()
