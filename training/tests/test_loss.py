"""The pinball loss's weights: per metric (1/mean|y|), or with loss_scale per window from the observed
encoder steps' spread, so a quiet series counts as much as a busy one."""
import unittest

import torch

from tests import _path  # noqa: F401
import train


def batch(values, lengths, L=8):
    """values: per row a list of L steps x 4 metrics (left-padded rows are given whole, padding included)."""
    pv = torch.tensor(values, dtype=torch.float32)
    return {"past_values": pv, "past_mask": torch.ones_like(pv), "encoder_length": torch.tensor(lengths)}


class LossWeightsTest(unittest.TestCase):
    w = torch.tensor([1.0, 1.0, 1.0, 0.0])   # load never observed
    mean_abs = torch.tensor([20.0, 40.0, 10.0, 0.0])

    def test_off_gives_the_per_metric_weights(self):
        b = batch([[[5.0, 5.0, 5.0, 0.0]] * 8], [8])
        self.assertIs(train.loss_weights(b, self.w, self.mean_abs, 0.0), self.w)

    def test_a_quiet_window_weighs_more_than_a_busy_one_and_padding_is_left_out(self):
        quiet = [[2.0 + (i % 2), 50.0, 30.0, 0.0] for i in range(8)]                 # cpu std 0.5
        busy = [[10.0 + 40.0 * (i % 2), 50.0, 30.0, 0.0] for i in range(8)]          # cpu std 20
        padded = [[500.0, 0.0, 0.0, 0.0]] * 4 + quiet[4:]                             # only the last 4 count
        ww = train.loss_weights(batch([quiet, busy, padded], [8, 8, 4]), self.w, self.mean_abs, 0.1)
        self.assertEqual(tuple(ww.shape), (3, 1, 4))
        cpu = ww[:, 0, 0]
        self.assertAlmostEqual(cpu[0].item(), 1 / (0.5 + 2.0), places=5)
        self.assertAlmostEqual(cpu[1].item(), 1 / (20.0 + 2.0), places=5)
        self.assertAlmostEqual(cpu[2].item(), cpu[0].item(), places=5)
        self.assertAlmostEqual(ww[0, 0, 1].item(), 1 / (0.0 + 4.0), places=5)        # flat memory: the floor
        self.assertEqual(ww[:, 0, 3].tolist(), [0.0, 0.0, 0.0])                       # unobserved metric

    def test_a_held_high_percent_metric_weighs_more_in_its_first_hour_only(self):
        # cpu held at 90-94 for the last 6 steps, memory at 85 but one step missing, disk rising from 80
        # by 2 a step (10 points over 6 steps), load high: only cpu is a plateau
        held = [[60.0, 85.0, 70.0, 90.0]] * 2 + [[90.0 + (i % 5), 85.0, 80.0 + 2 * i, 90.0] for i in range(6)]
        b = batch([held], [8])
        b["past_mask"][0, 4, 1] = 0.0
        b["target"] = torch.zeros(1, 16, 4)
        ww = train.loss_weights(b, self.w, self.mean_abs, 0.0, 9.0)
        self.assertEqual(tuple(ww.shape), (1, 16, 4))
        self.assertEqual(ww[0, :12, 0].tolist(), [10.0] * 12)                          # 1 + 9 in the first hour
        self.assertEqual(ww[0, 12:, 0].tolist(), [1.0] * 4)
        self.assertEqual(ww[0, :, 1].tolist(), [1.0] * 16)                             # a gap: not held
        self.assertEqual(ww[0, :, 2].tolist(), [1.0] * 16)                             # spread 10 > 5
        self.assertEqual(ww[0, :, 3].tolist(), [0.0] * 16)                             # load: not a percentage
        # an encoder shorter than the plateau's 6 steps cannot show one
        self.assertEqual(train.loss_weights(dict(b, encoder_length=torch.tensor([4])), self.w, self.mean_abs, 0.0, 9.0)[0, 0, 0].item(), 1.0)
        # with loss_scale the per-window weights are multiplied, not replaced
        both = train.loss_weights(b, self.w, self.mean_abs, 0.1, 9.0)
        scaled = train.loss_weights(b, self.w, self.mean_abs, 0.1, 0.0)
        self.assertAlmostEqual(both[0, 0, 0].item(), 10 * scaled[0, 0, 0].item(), places=5)
        self.assertAlmostEqual(both[0, 15, 0].item(), scaled[0, 0, 0].item(), places=5)


if __name__ == "__main__":
    unittest.main()
