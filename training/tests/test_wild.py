import unittest

import numpy as np

from tests import _path  # noqa: F401
from features import STEP
from wild import DAY, wild_fleet, wild_series


class WildSeriesTest(unittest.TestCase):
    def test_shape_ranges_and_masking(self):
        fleet = wild_fleet(40, 3, seed=5)
        self.assertEqual(len(fleet), 40)
        for s in fleet:
            self.assertEqual(s.values.shape, (3 * DAY, 4))
            self.assertEqual(s.profile, 0)  # no profile: the name carries none
            self.assertEqual(s.t0 % STEP, 0)
            observed = s.mask > 0
            self.assertTrue(np.all(s.values[~observed] == 0))  # nothing invented under mask 0
            self.assertTrue(np.all(s.values[:, :3][observed[:, :3]] <= 100))
            self.assertTrue(np.all(s.values[observed] >= 0))
            self.assertGreater(s.mask[:, 0].mean(), 0.5)  # cpu is always collected
        # the mix holds idle hosts and busy ones, and some hosts without memory
        cpu_means = [s.values[s.mask[:, 0] > 0, 0].mean() for s in fleet]
        self.assertLess(min(cpu_means), 5)
        self.assertGreater(max(cpu_means), 40)
        self.assertTrue(any(s.mask[:, 1].sum() == 0 for s in fleet))

    def test_seeded(self):
        a, b = wild_series(3, 2, seed=9), wild_series(3, 2, seed=9)
        np.testing.assert_array_equal(a.values, b.values)
        self.assertFalse(np.array_equal(a.values, wild_series(3, 2, seed=10).values))


if __name__ == "__main__":
    unittest.main()
