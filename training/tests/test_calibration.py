"""The in-graph quantile calibration (q_cal) and calibrate.py's split-conformal factors."""
import unittest

import numpy as np
import torch

from tests import _path  # noqa: F401
import features as ft
from model import TFT, TFTConfig
from tests.test_model import H, make_inputs


class CalibrationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.cfg = TFTConfig()
        cls.model = TFT(cls.cfg).eval()
        cls.x = make_inputs(cls.cfg.max_encoder_length)   # profiles 0 (unknown), 1, 2

    def run_model(self, model):
        with torch.no_grad():
            return model(*[self.x[k] for k in ft.INPUT_NAMES])[0]

    def calibrated(self, groups):
        cal = TFT(TFTConfig(**{**self.cfg.__dict__, "calibrated": True, "calibration_groups": groups})).eval()
        missing, unexpected = cal.load_state_dict(self.model.state_dict(), strict=False)
        self.assertEqual((missing, unexpected), (["q_cal"], []))
        return cal

    def test_calibration_scales_the_offsets(self):
        cal = self.calibrated(1)
        ref = self.run_model(self.model)
        torch.testing.assert_close(self.run_model(cal), ref)   # q_cal starts at 1
        with torch.no_grad():
            cal.q_cal[..., 0] = 2.0
            cal.q_cal[:10, 2, 1] = 0.5
        q = self.run_model(cal)
        torch.testing.assert_close(q[..., 1], ref[..., 1])
        torch.testing.assert_close(q[..., 1] - q[..., 0], 2 * (ref[..., 1] - ref[..., 0]))
        torch.testing.assert_close(q[:, :10, 2, 2] - q[:, :10, 2, 1], 0.5 * (ref[:, :10, 2, 2] - ref[:, :10, 2, 1]))
        torch.testing.assert_close(q[:, 10:, :, 2], ref[:, 10:, :, 2])

    def test_calibration_by_profile_group(self):
        cal = self.calibrated(2)
        self.assertEqual(tuple(cal.q_cal.shape), (2, H, 4, 2))
        ref = self.run_model(self.model)
        with torch.no_grad():
            cal.q_cal[0] = 2.0   # no known profile
            cal.q_cal[1] = 0.5   # a known profile
        q = self.run_model(cal)
        torch.testing.assert_close(q[..., 1], ref[..., 1])
        torch.testing.assert_close(q[0, ..., 2] - q[0, ..., 1], 2 * (ref[0, ..., 2] - ref[0, ..., 1]))
        torch.testing.assert_close(q[1:, ..., 1] - q[1:, ..., 0], 0.5 * (ref[1:, ..., 1] - ref[1:, ..., 0]))


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


if __name__ == "__main__":
    unittest.main()
