#!/usr/bin/env node
// Makes a fresh clone runnable: installs npm packages when node_modules is missing or older than
// package-lock.json. Both README commands call this first, so a newcomer never needs a third one.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'node_modules', '.tft-setup-stamp');
const lockHash = createHash('sha256')
  .update(readFileSync(join(root, 'package-lock.json')))
  .digest('hex');

if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash) {
  console.log(
    'setup: installing npm packages (npm ci, about 2-3 minutes on a fresh clone)...',
  );
  // onnxruntime-node's postinstall would try to download CUDA files, which fails offline.
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  writeFileSync(stamp, lockHash);
}
