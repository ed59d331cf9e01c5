// What `npm start` and `npm run start:cluster` share: set-up and build of the apps, and children
// whose output is prefixed with their name.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs tools/setup.mjs (with `setupArgs`) and builds api, generator, the console and its server; exits on failure. */
export function setUpAndBuild(what, setupArgs = ['--no-apt']) {
  const setup = spawnSync(process.execPath, [join(root, 'tools', 'setup.mjs'), ...setupArgs], { cwd: root, stdio: 'inherit' });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
  console.log(`${what}: building api, generator, console and console server (cached after the first run)...`);
  const build = spawnSync(
    'npx',
    ['nx', 'run-many', '-t', 'build', '-p', 'api', 'generator', 'web', 'web-server', '--output-style=static'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (build.status !== 0) {
    process.stderr.write(build.stdout + build.stderr + '\nbuild failed\n');
    process.exit(1);
  }
}

/** Spawns `command`, its stdout and stderr written line by line behind `[name]`; `onExit(prefix, code, signal)`. */
export function spawnPrefixed(name, command, args, env, onExit) {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${name}]`.padEnd(12);
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.on('data', (chunk) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  child.on('exit', (code, signal) => onExit(prefix, code, signal));
  return child;
}
