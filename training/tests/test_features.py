import os
import tempfile
import unittest

import numpy as np

from tests import _path  # noqa: F401
import features as ft

T0 = ft.parse_time("2025-01-06T00:00:00Z")  # a Monday


class BinningTest(unittest.TestCase):
    def test_mean_per_bucket_and_missing_buckets(self):
        recs = [
            (T0 + 10, [10.0, None, None, 1.0]),
            (T0 + 10, [20.0, 50.0, None, None]),   # 0 s step: same bucket, averaged
            (T0 + 299, [30.0, None, None, None]),
            (T0 + 900 + 5, [40.0, None, None, None]),  # 15 min later: two empty buckets between
            (T0 + 1500, [None, None, None, None]),  # all blank: creates nothing
        ]
        s = ft.bin_records("x", recs, 0)
        self.assertEqual(s.t0, T0)
        self.assertEqual(len(s), 4)
        np.testing.assert_allclose(s.values[0], [20.0, 50.0, 0.0, 1.0])
        np.testing.assert_array_equal(s.mask[0], [1, 1, 0, 1])
        np.testing.assert_array_equal(s.mask[1:3], 0)
        self.assertEqual(s.values[3, 0], 40.0)
        self.assertIsNone(ft.bin_records("y", [(T0, [None] * 4)], 0))

    def test_profile_resolution(self):
        self.assertEqual(ft.profile_index("ppml-01"), ft.PROFILES.index("ml_compute"))
        self.assertEqual(ft.profile_index("pprisk-7"), ft.PROFILES.index("risk_analytics"))
        self.assertEqual(ft.profile_index("ppml-01", "database"), ft.PROFILES.index("database"))
        self.assertEqual(ft.profile_index("web-01"), 0)
        self.assertEqual(ft.profile_index("ppdb-1", "no_such_profile"), 0)

    def test_time_features(self):
        L, H = 144, 96
        f = ft.time_features([T0 + 300, T0 + 86400 * 3 + 43200], [L - 1, L + 5], L, H)
        tod = 300 / 86400
        np.testing.assert_allclose(f[0], [np.sin(2 * np.pi * tod), np.cos(2 * np.pi * tod), 0.0, 1.0, -1 / H], atol=1e-6)
        dow = 3  # Thursday
        np.testing.assert_allclose(f[1], [0.0, -1.0, np.sin(2 * np.pi * dow / 7), np.cos(2 * np.pi * dow / 7), 5 / H],
                                   atol=1e-6)
        epoch = ft.time_features([0.0], [0], L, H)[0]  # 1970-01-01 was a Thursday
        self.assertAlmostEqual(float(epoch[2]), np.sin(2 * np.pi * 3 / 7), places=6)

    def test_window_from_history(self):
        L, H = 144, 96
        recs = [(T0 + 300 * i + 7, [float(i), None, 5.0, None]) for i in range(20)]
        recs.append((T0 + 300 * 25, [None, None, None, None]))  # trailing blank row: not the origin
        inputs, origin = ft.window_from_history("ppdb-1", recs, None, L, H)
        self.assertEqual(origin, T0 + 300 * 19)
        self.assertEqual(int(inputs["encoder_length"][0]), 20)
        self.assertEqual(int(inputs["profile"][0]), ft.PROFILES.index("database"))
        pv, pm = inputs["past_values"][0], inputs["past_mask"][0]
        np.testing.assert_array_equal(pm[:L - 20], 0)  # left padding
        np.testing.assert_array_equal(pv[:L - 20], 0)
        self.assertEqual(pv[L - 1, 0], 19.0)
        np.testing.assert_array_equal(pm[L - 20:, 1], 0)  # memory never measured
        ft_ = ft.time_features([origin + 300], [L], L, H)[0]
        np.testing.assert_allclose(inputs["future_time"][0, 0], ft_)
        np.testing.assert_allclose(inputs["past_time"][0, L - 1], ft.time_features([origin], [L - 1], L, H)[0])

    def test_read_csv_blank_cells_and_extra_columns(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "a.csv")
            with open(p, "w") as f:
                f.write("timestamp,server_name,cpu_percent,memory_percent,disk_percent,load_average,status,profile,scenario,incident\n")
                f.write("2025-01-06T00:05:00Z,host-1,12.5,,40,0.5,ok,web_api,base,\n")
                f.write("2025-01-06T00:10:00Z,host-1,13.5,30,,,ok,web_api,base,\n")
                f.write("2025-01-06T00:05:00Z,ppdb-2,1,2,3,4,ok,,base,\n")
            series = {s.name: s for s in ft.read_csv(p)}
            self.assertEqual(series["host-1"].profile, ft.PROFILES.index("web_api"))
            self.assertEqual(series["ppdb-2"].profile, ft.PROFILES.index("database"))
            np.testing.assert_array_equal(series["host-1"].mask, [[1, 0, 1, 1], [1, 1, 0, 0]])


if __name__ == "__main__":
    unittest.main()
