#!/usr/bin/env node
// `npm run train [-- --smoke] [-- trainer flags]`: the shipped model's recipe, end to end.
// 1. export the training and held-out datasets with the generator (skipped when present),
// 2. train (training/train.py with MODEL_2_RECIPE), 3. calibrate the p10/p90 band on the validation
// split, 4. evaluate on the held-out seed, 5. export ONNX + metadata + golden vectors into
// models/tft/<version>/. `--smoke` trains a few steps on synthetic data (CI) instead.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const python = '/usr/bin/python3'; // Debian's python with python3-torch; the first python3 on PATH may lack torch
const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const passThrough = args.filter((a) => a !== '--smoke');
const version = process.env.MODEL_VERSION ?? '2.0.0';
// models/tft/2.0.0/MODEL_CARD.md explains each flag; trainer flags given to this script come after, so they win
const MODEL_2_RECIPE = [
  ...['--max_encoder_length', '288', '--patch', '6', '--vsn', 'linear', '--fast', '--season', '288', '--recent', '12'],
  ...['--p_full_encoder', '0.7', '--max_gap', '96', '--batch_size', '128', '--ema', '0.999', '--wild_series', '240'],
  ...['--max_steps', '40000', '--max_minutes', '36', '--eval_interval', '400', '--patience', '8', '--lr_patience', '3'],
];
const runDir = 'training/runs/m2';
const run = (cmd, argv) => execFileSync(cmd, argv, { cwd: root, stdio: 'inherit' });

run(process.execPath, [join(root, 'tools', 'setup.mjs')]);
if (smoke) {
  run(python, ['training/train.py', '--smoke', ...passThrough]);
  run(python, ['training/export.py', '--smoke']);
  process.exit(0);
}

const datasets = [
  {
    out: 'data/gen/train.csv',
    args: ['--servers', '60', '--hours', '720', '--seed', '7'],
  },
  {
    out: 'data/gen/holdout.csv',
    args: ['--servers', '40', '--hours', '336', '--seed', '1001'],
  },
];
for (const d of datasets) {
  if (existsSync(join(root, d.out))) {
    console.log(`train: using existing ${d.out} (delete it to regenerate)`);
    continue;
  }
  run(process.execPath, [join(root, 'tools', 'run-app.mjs'), 'generator', 'export', ...d.args, '--out', d.out]);
}
run(python, ['training/train.py', '--run_name', 'm2', '--data', 'data/gen/train.csv', ...MODEL_2_RECIPE, ...passThrough]);
run(python, ['training/calibrate.py', '--ckpt', `${runDir}/best.pt`, '--out', `${runDir}/calibrated.pt`, '--by_profile']);
run(python, [
  'training/evaluate.py',
  '--ckpt',
  `${runDir}/calibrated.pt`,
  '--data',
  'data/gen/holdout.csv',
  '--out',
  `${runDir}/eval_holdout.json`,
]);
run(python, ['training/export.py', '--ckpt', `${runDir}/calibrated.pt`, '--version', version, '--eval', `${runDir}/eval_holdout.json`]);
console.log(`train: model exported to models/tft/${version}/`);
