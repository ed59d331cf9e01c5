#!/usr/bin/env node
// Makes a fresh clone runnable: installs the Debian packages the tests need (torch, onnx, numpy and
// OpenBLAS for the trainer; chromium for the browser tests; prometheus, node_exporter and alertmanager
// for the ecosystem tests) and the npm packages when node_modules is
// missing or older than package-lock.json.
// Both README commands call this first, so a newcomer never needs a third one.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// OpenBLAS: with Debian's reference BLAS a torch training step is ~10x slower. The Prometheus stack is
// what the integration tests run the receiver, /metrics and alert delivery against (and promtool).
const APT_PACKAGES = [
  'python3-torch',
  'python3-onnx',
  'python3-numpy',
  'libopenblas0-pthread',
  'chromium',
  'fonts-liberation',
  'prometheus',
  'prometheus-node-exporter',
  'prometheus-alertmanager',
  'nats-server',
];

function missingAptPackages() {
  return APT_PACKAGES.filter((pkg) => {
    try {
      return !execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).includes('install ok installed');
    } catch {
      return true;
    }
  });
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'node_modules', '.tft-setup-stamp');
const lockHash = createHash('sha256')
  .update(readFileSync(join(root, 'package-lock.json')))
  .digest('hex');

if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash) {
  console.log('setup: installing npm packages (npm ci, about 2-3 minutes on a fresh clone)...');
  // onnxruntime-node's postinstall would try to download CUDA files, which fails offline.
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  writeFileSync(stamp, lockHash);
}

// `--no-apt`: the daemons need only npm packages; torch and chromium are for the tests and training.
const missing = process.argv.includes('--no-apt') ? [] : missingAptPackages();
if (missing.length) {
  if (process.getuid?.() !== 0) {
    console.error(`setup: missing Debian packages ${missing.join(' ')}; run: sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  console.log(`setup: installing ${missing.join(' ')} from apt (about 2 minutes)...`);
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', ...missing], {
      stdio: 'inherit',
      env: aptEnv,
    });
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env: aptEnv });
    execFileSync('apt-get', ['install', '-y', ...missing], {
      stdio: 'inherit',
      env: aptEnv,
    });
  }
}
