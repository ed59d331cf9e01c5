#!/usr/bin/env node
// `npm run start:cluster`: the product as a cluster on one machine. Debian's nats-server with JetStream
// (a temporary store), three api replicas on loopback ports sharing the fleet through it, the
// generator streaming into the first replica and the console reading through the second. Kill a
// replica (its PID is printed) and watch the others take its partitions over in the console and /status.
// Ctrl-C stops everything and removes the store.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, setUpAndBuild, spawnPrefixed } from './product-processes.mjs';

const env = process.env;
const REPLICAS = Number(env.CLUSTER_REPLICAS ?? 3);
const firstApiPort = Number(env.API_PORT ?? 8000);
const generatorPort = env.GENERATOR_PORT ?? '8001';
const webPort = env.WEB_PORT ?? '8501';
const natsPort = Number(env.NATS_PORT ?? 4222);
const apiPorts = Array.from({ length: REPLICAS }, (_, i) => firstApiPort + (i === 0 ? 0 : i + 1)); // 8000, 8002, 8003: 8001 is the generator's
const apiUrl = (i) => `http://127.0.0.1:${apiPorts[i]}`;

const hasNats = spawnSync('nats-server', ['--version'], { encoding: 'utf8' }).status === 0;
// nats-server is an apt package: the full setup installs it (and what the tests need) when it is missing
setUpAndBuild('start:cluster', hasNats ? ['--no-apt'] : []);

await assertFree([natsPort, ...apiPorts, Number(generatorPort), Number(webPort)]);
const store = mkdtempSync(join(tmpdir(), 'tft-cluster-'));
const natsUrl = `nats://127.0.0.1:${natsPort}`;
const children = [];
let stopping = false;

function run(name, command, args, extraEnv = {}) {
  const child = spawnPrefixed(name, command, args, { ...env, ...extraEnv }, (prefix, code, signal) => {
    if (stopping) return;
    // a replica may be killed on purpose to watch the fail-over; anything else stops the demo
    if (name.startsWith('api-')) console.log(`${prefix}exited (${code ?? signal}); the other replicas take its partitions over`);
    else {
      console.error(`${prefix}exited with ${code ?? signal}; stopping the others`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

run('nats', 'nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', store]);
await waitFor(() => canConnect(natsPort), 'nats-server');
const replicas = apiPorts.map((port, i) =>
  run(`api-${i + 1}`, process.execPath, [join(root, 'dist', 'apps', 'api', 'main.js')], {
    NATS_URL: natsUrl,
    REPLICA_ID: `api-${i + 1}`,
    API_PORT: String(port),
  }),
);
await Promise.all(apiPorts.map((_, i) => waitFor(async () => (await fetch(`${apiUrl(i)}/health`)).ok, `api-${i + 1}`)));
run(
  'generator',
  process.execPath,
  [
    join(root, 'dist', 'apps', 'generator', 'main.js'),
    '--servers',
    env.GENERATOR_SERVERS ?? '60',
    '--backfill',
    env.GENERATOR_BACKFILL ?? '24h',
    '--speed',
    env.GENERATOR_SPEED ?? '60',
  ],
  { GENERATOR_PORT: generatorPort, API_URL: apiUrl(0) },
);
const readVia = REPLICAS > 1 ? 1 : 0;
run('web', process.execPath, [join(root, 'dist', 'apps', 'web-server', 'main.js')], {
  WEB_PORT: webPort,
  API_URL: apiUrl(readVia),
  GENERATOR_URL: `http://127.0.0.1:${generatorPort}`,
});

console.log(`
  ops console     http://localhost:${webPort}   (reads through api-${readVia + 1})
  api replicas    ${apiPorts.map((p, i) => `api-${i + 1} http://localhost:${p} (pid ${replicas[i].pid})`).join(', ')}
  generator       http://localhost:${generatorPort}   (writes into api-1)
  NATS            ${natsUrl}   (JetStream store ${store}, removed on exit)
  Who owns what: GET /status on any replica (cluster block). Try: kill -9 ${replicas[REPLICAS - 1].pid}
  Ctrl-C stops everything.
`);

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  // the replicas release their leases and drain before NATS goes
  const apis = children.filter((c) => c !== children[0]);
  for (const child of apis) child.kill('SIGTERM');
  const exited = (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', r)));
  const hardStop = setTimeout(() => finish(code), 10_000);
  Promise.all(apis.map(exited)).then(() => {
    clearTimeout(hardStop);
    finish(code);
  });
}

function finish(code) {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  exitedAll().then(() => {
    rmSync(store, { recursive: true, force: true });
    process.exit(code);
  });
}

function exitedAll() {
  const timeout = new Promise((r) => setTimeout(r, 3000));
  return Promise.race([
    timeout,
    Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', r))))),
  ]);
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitFor(probe, what, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if (await probe()) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  console.error(`start:cluster: ${what} did not come up within ${timeoutMs / 1000} s`);
  stop(1);
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = createServer();
    socket.once('error', () => resolve(true)); // someone listens: nats-server is up
    socket.listen(port, '127.0.0.1', () => socket.close(() => resolve(false)));
  });
}

async function assertFree(ports) {
  for (const port of ports) {
    if (await canConnect(port)) {
      console.error(`start:cluster: port ${port} is taken (set API_PORT, NATS_PORT, GENERATOR_PORT or WEB_PORT to move them)`);
      process.exit(1);
    }
  }
}
