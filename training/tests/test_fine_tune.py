"""train.py --init: fine-tuning a shipped model starts from its weights and network (calibration
included), takes the FINE_TUNE settings under the flags, evaluates the weights as given first and keeps
them as best.pt when training never beats them."""
import os
import tempfile
import unittest

import torch

from tests import _path  # noqa: F401
import train
from model import TFT, TFTConfig
from synthetic import write_csv

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SHIPPED = os.path.join(ROOT, "models", "tft", train.SHIPPED)


class FineTuneArgsTest(unittest.TestCase):
    def test_init_takes_the_models_network_and_fine_tune_settings_flags_win(self):
        c = train.parse_args(["--init", SHIPPED, "--lr", "1e-4", "--data", "fleet.csv"])
        network = torch.load(os.path.join(SHIPPED, "weights.pt"))["model_config"]
        self.assertEqual({k: getattr(c, k) for k in train.NETWORK_FIELDS}, {k: network[k] for k in train.NETWORK_FIELDS})
        self.assertEqual((c.init, c.run_name, c.wild_series, c.real, c.val_max_windows), (SHIPPED, "fine-tune", 0, [], 2048))
        self.assertEqual((c.lr, c.data), (1e-4, ["fleet.csv"]))          # flags over FINE_TUNE
        self.assertEqual(train.parse_args([]).init, "")                    # not a fine-tuning run by default

    def test_a_missing_model_is_named(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(SystemExit, "no .*weights.pt"):
                train.parse_args(["--init", d])

    def test_init_is_not_a_config_file_setting(self):
        self.assertIn("init", train.NOT_IN_CONFIG)
        self.assertIn("val_max_windows", train.NOT_IN_CONFIG)


class FineTuneRunTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        data = write_csv(os.path.join(d, "fleet.csv"), n_servers=2, days=3, seed=5)
        # lr 0 and no warm-up progress: every later evaluation equals the first, so step 0 stays the best
        cls.ckpt = train.main(["--init", SHIPPED, "--data", data, "--runs_dir", os.path.join(d, "runs"),
                               "--max_steps", "2", "--batch_size", "4", "--eval_interval", "2", "--lr", "0",
                               "--val_stride", "96"])
        cls.ck = torch.load(cls.ckpt)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_checkpoint_is_the_shipped_network_with_its_calibration(self):
        base = torch.load(os.path.join(SHIPPED, "weights.pt"))
        self.assertEqual(TFTConfig.from_dict(self.ck["model_config"]), TFTConfig.from_dict(base["model_config"]))
        self.assertTrue(self.ck["model_config"]["calibrated"])
        self.assertTrue(torch.equal(self.ck["model"]["q_cal"], base["model"]["q_cal"]))
        self.assertEqual(self.ck["train_config"]["init"], SHIPPED)
        TFT(TFTConfig.from_dict(self.ck["model_config"])).load_state_dict(self.ck["model"])  # loads as is

    def test_the_weights_as_given_are_evaluated_first_and_kept_when_nothing_beats_them(self):
        history = self.ck["history"]
        self.assertEqual(history[0]["step"], 0)
        self.assertIsNone(history[0]["loss"])
        self.assertEqual(self.ck["step"], 0)                                 # best.pt is the step-0 evaluation
        self.assertAlmostEqual(self.ck["val_loss"], history[0]["val_loss"])
        self.assertEqual(history[-1]["step"], 2)
        self.assertGreaterEqual(history[-1]["val_loss"], history[0]["val_loss"] - 1e-6)
        base = torch.load(os.path.join(SHIPPED, "weights.pt"))["model"]
        for k, v in base.items():
            self.assertTrue(torch.allclose(self.ck["model"][k], v), k)


if __name__ == "__main__":
    unittest.main()
