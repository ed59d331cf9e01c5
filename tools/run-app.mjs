#!/usr/bin/env node
// `npm run <app> -- [args]`: set up, build the app quietly (Nx caches it), then run it with the args.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [app, ...args] = process.argv.slice(2);

const setup = spawnSync(process.execPath, [join(root, 'tools', 'setup.mjs'), '--no-apt'], {
  cwd: root,
  stdio: 'inherit',
});
if (setup.status !== 0) process.exit(setup.status ?? 1);
const build = spawnSync('npx', ['nx', 'build', app, '--output-style=static'], {
  cwd: root,
  encoding: 'utf8',
});
if (build.status !== 0) {
  process.stderr.write(build.stdout + build.stderr);
  process.stderr.write(`\nbuilding ${app} failed\n`);
  process.exit(build.status ?? 1);
}
const child = spawn(process.execPath, [join(root, 'dist', 'apps', app, 'main.js'), ...args], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
