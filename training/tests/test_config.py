"""train.py's settings: the defaults are the shipped model's config file, a --config file overrides
them, --smoke shrinks the run but keeps the config's network, flags override all three; each config
file names every setting and matches what its model was trained with (its metadata.json)."""
import json
import os
import tempfile
import unittest
from dataclasses import asdict, fields

from tests import _path  # noqa: F401
import train
from model import TFTConfig
from train import TrainConfig

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
VERSIONS = sorted(f[:-5] for f in os.listdir(train.CONFIG_DIR) if f.endswith(".json"))


def metadata(version):
    with open(os.path.join(ROOT, "models", "tft", version, "metadata.json")) as f:
        return json.load(f)


class DefaultsTest(unittest.TestCase):
    def test_defaults_are_the_shipped_config(self):
        shipped = train.read_config(train.config_path(train.SHIPPED))
        self.assertEqual(train.SHIPPED, "3.0.0")
        self.assertEqual(shipped, {k: v for k, v in asdict(TrainConfig()).items() if k in shipped})
        self.assertEqual(train.parse_args([]), TrainConfig())
        self.assertEqual(train.parse_args(["--config", train.config_path("3.0.0")]), TrainConfig())
        d = TrainConfig()
        self.assertEqual((d.run_name, d.max_encoder_length, d.patch, d.season, d.recent, d.batch_size, d.ema,
                          d.max_minutes, d.real, d.real_share), ("m3", 288, 6, 288, 12, 128, 0.999, 50.0,
                                                                 ["data/bitbrains"], 0.6))

    def test_defaults_build_the_shipped_network(self):
        shipped = TFTConfig.from_dict(metadata("3.0.0")["model_config"])
        self.assertEqual(train.model_config(TrainConfig()),
                         TFTConfig(**{**asdict(shipped), "calibrated": False, "calibration_groups": 1}))


class OverrideTest(unittest.TestCase):
    def test_config_file_overrides_defaults_and_flags_override_both(self):
        c = train.parse_args(["--config", train.config_path("2.0.0"), "--max_steps", "400", "--real", "x.csv"])
        self.assertEqual(c.max_steps, 400)                     # flag over config (40000) over default (60000)
        self.assertEqual(c.real, ["x.csv"])                    # flag over config ([]) over default
        self.assertEqual((c.run_name, c.max_minutes, c.patience), ("m2", 36.0, 8))  # config over default
        self.assertEqual((c.lr, c.seed), (3e-3, 1337))         # in both, equal
        self.assertEqual(train.parse_args(["--max_steps", "5"]).max_minutes, 50.0)  # no config: defaults
        self.assertEqual(train.parse_args(["--real"]).real, [])  # a list flag with no value clears it

    def test_smoke_keeps_the_configs_network_and_flags_still_win(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "small.json")
            with open(path, "w") as f:
                json.dump({"train": {"max_encoder_length": 144, "patch": 3, "season": 144, "max_steps": 99}}, f)
            c = train.parse_args(["--config", path, "--smoke", "--batch_size", "4"])
        self.assertEqual((c.max_encoder_length, c.patch, c.season), (144, 3, 144))  # the config's network
        self.assertEqual((c.run_name, c.max_steps, c.data, c.real, c.smoke), ("smoke", 12, [], [], True))
        self.assertEqual(c.batch_size, 4)                                           # flag over smoke

    def test_config_errors_name_the_key(self):
        with tempfile.TemporaryDirectory() as d:
            for train_section, msg in (({"vsn": "linear"}, "not TrainConfig fields: vsn"),
                                       ({"patch": 6.5}, "patch = 6.5 is not a int"),
                                       ({"data": "a.csv"}, "data = 'a.csv' is not a list"),
                                       ({"runs_dir": "/tmp"}, "not TrainConfig fields: runs_dir")):
                path = os.path.join(d, "bad.json")
                with open(path, "w") as f:
                    json.dump({"train": train_section}, f)
                with self.assertRaisesRegex(SystemExit, msg):
                    train.read_config(path)

    def test_older_checkpoints_train_config_loads(self):
        old = {**asdict(TrainConfig()), "vsn": "linear", "fast": True}
        self.assertEqual(train.checkpoint_config(old), TrainConfig())


class ConfigFilesTest(unittest.TestCase):
    def test_there_is_one_per_shipped_trained_model(self):
        self.assertEqual(VERSIONS, ["2.0.0", "3.0.0"])

    def test_each_names_every_setting(self):
        want = {f.name for f in fields(TrainConfig)} - set(train.NOT_IN_CONFIG)
        for v in VERSIONS:
            with self.subTest(v):
                self.assertEqual(set(train.read_config(train.config_path(v))), want)

    def test_each_matches_what_its_model_was_trained_with(self):
        for v in VERSIONS:
            with self.subTest(v):
                meta = metadata(v)
                cfg = train.read_config(train.config_path(v))
                recorded = meta["training_config"]
                for k, value in cfg.items():
                    if k != "run_name" and k in recorded:
                        self.assertEqual(value, recorded[k], k)
                self.assertEqual(cfg["real"], recorded.get("real", []))
                shipped = TFTConfig.from_dict(meta["model_config"])
                self.assertEqual(train.model_config(TrainConfig(**cfg)),
                                 TFTConfig(**{**asdict(shipped), "calibrated": False, "calibration_groups": 1}))


if __name__ == "__main__":
    unittest.main()
