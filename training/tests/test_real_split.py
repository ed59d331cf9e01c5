import os
import tempfile
import unittest

import numpy as np

from tests import _path  # noqa: F401
import features as ft
import train
from synthetic import write_csv


class RealSplitTest(unittest.TestCase):
    """Real traces are split by series: a held-out VM gives validation windows only, the others train
    on all of their length; generator series keep the split by time; real_share sets the mix."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.gen = write_csv(os.path.join(d, "gen.csv"), n_servers=2, days=3, seed=5)
        real_dir = os.path.join(d, "real")
        os.makedirs(real_dir)
        # one file per VM, as stage-bitbrains.py writes them; names without a profile prefix
        for i in range(12):
            src = write_csv(os.path.join(d, f"src{i}.csv"), n_servers=1, days=3, seed=100 + i, extras=False)
            with open(src) as f, open(os.path.join(real_dir, f"vm-{i}.csv"), "w") as out:
                lines = f.read().splitlines()
                name = lines[1].split(",")[1]
                out.write("\n".join([lines[0]] + [l.replace(name, f"vm-{i}") for l in lines[1:]]) + "\n")
        cls.cfg = train.TrainConfig(data=[cls.gen], real=[real_dir], val_series=0.3, real_share=0.7, wild_series=0,
                                    max_encoder_length=144, val_stride=48, val_windows_per_series=5)
        cls.series, cls.files = train.training_series(cls.cfg)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_held_out_by_name_and_stable(self):
        real = [s for s in self.series if s.real]
        self.assertEqual(len(real), 12)
        held = {s.name for s in real if s.held_out}
        self.assertTrue(0 < len(held) < 12)
        self.assertEqual(held, {s.name for s in real if train.holds_out(s.name, 0.3)})
        self.assertEqual(len(self.files), 13)

    def test_training_windows_never_touch_held_out_series_and_mix_by_share(self):
        store = ft.WindowStore(self.series, self.cfg.max_encoder_length, self.cfg.horizon)
        sampler = train.Sampler(store, self.cfg, np.random.default_rng(1))
        sid, origin = sampler.draw(4000)
        drawn = [self.series[i] for i in sid]
        self.assertFalse(any(s.held_out for s in drawn))
        share = np.mean([s.real for s in drawn])
        self.assertAlmostEqual(share, 0.7, delta=0.03)
        for i, o in zip(sid, origin):
            s = self.series[i]
            # targets o+1..o+H inside the series, and before the time split for generator series
            limit = len(s) if s.real else int(len(s) * (1 - self.cfg.val_fraction))
            self.assertLessEqual(o + self.cfg.horizon, limit - 1)

    def test_validation_covers_held_out_series_whole(self):
        store = ft.WindowStore(self.series, self.cfg.max_encoder_length, self.cfg.horizon)
        sid, orig, _ = train.val_windows(store, self.cfg)
        by_series = {}
        for i, o in zip(sid, orig):
            by_series.setdefault(i, []).append(o)
        for i, s in enumerate(self.series):
            if s.real and not s.held_out:
                self.assertNotIn(i, by_series)  # a training VM gives no validation windows
            elif s.held_out:
                self.assertGreaterEqual(len(by_series[i]), 5)
                self.assertEqual(min(by_series[i]), self.cfg.min_encoder_length - 1)  # from its start
            else:
                self.assertGreaterEqual(min(by_series[i]), int(len(s) * (1 - self.cfg.val_fraction)) - 1)


if __name__ == "__main__":
    unittest.main()
