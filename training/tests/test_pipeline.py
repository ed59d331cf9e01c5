import json
import os
import tempfile
import unittest
from dataclasses import asdict

import numpy as np
import onnx
import torch

from tests import _path  # noqa: F401
import evaluate
import export
import features as ft
import train
from synthetic import write_csv


def _read_json(path):
    with open(path) as f:
        return json.load(f)


class SmokePipelineTest(unittest.TestCase):
    """--smoke train + export into a temp dir, then check what the TypeScript side will read."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        data = write_csv(os.path.join(d, "train.csv"), n_servers=4, days=4, seed=3, irregular=True)
        cls.ckpt = train.main(["--smoke", "--data", data, "--runs_dir", os.path.join(d, "runs")])
        cls.out = export.main(["--ckpt", cls.ckpt, "--out", os.path.join(d, "model"), "--version", "0.0.1"])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_checkpoint_carries_config(self):
        ck = torch.load(self.ckpt)
        self.assertEqual(ck["model_config"], asdict(train.model_config(train.TrainConfig())))  # the shipped network
        self.assertTrue(ck["train_config"]["smoke"])
        self.assertEqual(ck["train_config"]["real"], [])
        self.assertEqual(len(ck["data"][0]["sha256"]), 64)

    def test_onnx_is_valid_and_small(self):
        path = os.path.join(self.out, "model.onnx")
        m = onnx.load(path)
        onnx.checker.check_model(m)
        self.assertEqual(m.opset_import[0].version, 17)
        self.assertEqual([i.name for i in m.graph.input], ft.INPUT_NAMES)
        self.assertEqual([o.name for o in m.graph.output], ["quantiles", "encoder_weights", "decoder_weights", "static_weights"])
        self.assertEqual(m.graph.input[0].type.tensor_type.shape.dim[0].dim_param, "batch")
        self.assertLess(os.path.getsize(path), 5_000_000)
        ops = {n.op_type for n in m.graph.node}
        self.assertIn("Softmax", ops)
        self.assertIn("LSTM", ops)

    def test_metadata(self):
        meta = _read_json(os.path.join(self.out, "metadata.json"))
        self.assertEqual(meta["version"], "0.0.1")
        self.assertEqual(meta["step_seconds"], 300)
        self.assertEqual(meta["horizon"], 96)
        self.assertEqual(meta["quantiles"], [0.1, 0.5, 0.9])
        self.assertEqual(meta["targets"], ft.METRICS)
        self.assertEqual(meta["profile_vocabulary"], ft.PROFILES)
        self.assertEqual([i["name"] for i in meta["inputs"]], ft.INPUT_NAMES)
        self.assertEqual(len(meta["training_data"]["files"][0]["sha256"]), 64)

    def test_golden_reproduces_pytorch(self):
        g = _read_json(os.path.join(self.out, "golden.json"))
        model, _ = export.load_model(self.ckpt)
        self.assertGreaterEqual(len(g["cases"]), 5)
        self.assertEqual(len({c["inputs"]["encoder_length"]["data"][0] for c in g["cases"]}), 4)
        for c in g["cases"] + g["end_to_end"]["cases"]:
            x = {k: np.array(v["data"], np.int64 if v["dtype"] == "int64" else np.float32).reshape(v["shape"])
                 for k, v in c["inputs"].items()}
            out = export.run(model, x)
            for k, v in c["outputs"].items():
                np.testing.assert_allclose(out[k].ravel(), v["data"], atol=1e-5, err_msg=c["name"])
        for c in g["end_to_end"]["cases"]:
            recs = [(ft.parse_time(r["timestamp"]), [r[m] for m in ft.METRICS]) for r in c["records"]]
            inputs, origin = ft.window_from_history(c["server_name"], recs, c["profile"], model.cfg.max_encoder_length,
                                                    model.cfg.horizon)
            self.assertEqual(ft.format_time(origin), c["as_of"])
            for k, v in inputs.items():
                np.testing.assert_array_equal(v.ravel(), np.array(c["inputs"][k]["data"], v.dtype), err_msg=k)

    def test_evaluate_runs(self):
        hold = write_csv(os.path.join(self.tmp.name, "hold.csv"), n_servers=2, days=3, seed=9)
        r = evaluate.evaluate(self.ckpt, [hold], stride=48)
        for m in evaluate.METHODS:
            self.assertIn("overall", r["results"][m])
            self.assertTrue(np.isfinite(r["results"][m]["overall"]["wql"]))
        self.assertIn("| overall |", evaluate.markdown(r))


if __name__ == "__main__":
    unittest.main()
