#!/usr/bin/env node
// `npm start`: the whole product on embedded defaults. Builds what is missing, starts the api, the
// generator (20 servers, 24 h backfill, 60x time) and the console, prefixes their logs, and stops all
// three on Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const apiPort = env.API_PORT ?? '8000';
const generatorPort = env.GENERATOR_PORT ?? '8001';
const webPort = env.WEB_PORT ?? '8501';
const apiUrl = env.API_URL ?? `http://127.0.0.1:${apiPort}`;
const generatorUrl = env.GENERATOR_URL ?? `http://127.0.0.1:${generatorPort}`;

const setup = spawnSync(process.execPath, [join(root, 'tools', 'setup.mjs'), '--no-apt'], {
  cwd: root,
  stdio: 'inherit',
});
if (setup.status !== 0) process.exit(setup.status ?? 1);
console.log('start: building api, generator and console (cached after the first run)...');
const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'api', 'generator', 'web', '--output-style=static'], {
  cwd: root,
  encoding: 'utf8',
});
if (build.status !== 0) {
  process.stderr.write(build.stdout + build.stderr + '\nbuild failed\n');
  process.exit(1);
}

const services = [
  {
    name: 'api',
    script: join(root, 'dist', 'apps', 'api', 'main.js'),
    args: [],
    env: { API_PORT: apiPort },
  },
  {
    name: 'generator',
    script: join(root, 'dist', 'apps', 'generator', 'main.js'),
    args: [
      '--servers',
      env.GENERATOR_SERVERS ?? '20',
      '--backfill',
      env.GENERATOR_BACKFILL ?? '24h',
      '--speed',
      env.GENERATOR_SPEED ?? '60',
    ],
    env: { GENERATOR_PORT: generatorPort, API_URL: apiUrl },
  },
  {
    name: 'web',
    script: join(root, 'tools', 'serve-web.mjs'),
    args: [],
    env: { WEB_PORT: webPort, API_URL: apiUrl, GENERATOR_URL: generatorUrl },
  },
];

let stopping = false;
const children = services.map(({ name, script, args, env: extra }) => {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: root,
    env: { ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}]`.padEnd(12);
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.on('data', (chunk) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(`${prefix}exited with ${code}; stopping the others`);
      stop(1);
    }
  });
  return child;
});

console.log(`
  ops console     http://localhost:${webPort}
  inference api   http://localhost:${apiPort}   (Swagger UI: /docs)
  generator       http://localhost:${generatorPort}   (Swagger UI: /docs)
  Ctrl-C stops everything.
`);

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
