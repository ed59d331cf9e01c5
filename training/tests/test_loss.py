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


if __name__ == "__main__":
    unittest.main()
