#!/usr/bin/env node
// `npm run train [-- --smoke] [-- trainer flags]`: the shipped model's recipe, end to end.
// 1. export the training and held-out datasets with the generator (skipped when present),
// 2. train (training/train.py), 3. evaluate on the held-out seed, 4. export ONNX + metadata + golden
// vectors into models/tft/<version>/. `--smoke` trains a few steps on synthetic data (CI) instead.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const python = '/usr/bin/python3'; // Debian's python with python3-torch; the first python3 on PATH may lack torch
const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const passThrough = args.filter((a) => a !== '--smoke');
const version = process.env.MODEL_VERSION ?? '1.2.0';
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
run(python, ['training/train.py', '--data', 'data/gen/train.csv', ...passThrough]);
run(python, ['training/evaluate.py', '--data', 'data/gen/holdout.csv', '--out', 'training/runs/tft/eval_holdout.json']);
run(python, ['training/export.py', '--version', version, '--eval', 'training/runs/tft/eval_holdout.json']);
console.log(`train: model exported to models/tft/${version}/`);
