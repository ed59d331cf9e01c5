#!/usr/bin/env node
// `npm start`: the whole product on embedded defaults. Builds what is missing, starts the api, the
// generator (20 servers, 24 h backfill, 60x time) and the console, prefixes their logs, and stops all
// three on Ctrl-C.
import { join } from 'node:path';
import { root, setUpAndBuild, spawnPrefixed } from './product-processes.mjs';

const env = process.env;
const apiPort = env.API_PORT ?? '8000';
const generatorPort = env.GENERATOR_PORT ?? '8001';
const webPort = env.WEB_PORT ?? '8501';
const apiUrl = env.API_URL ?? `http://127.0.0.1:${apiPort}`;
const generatorUrl = env.GENERATOR_URL ?? `http://127.0.0.1:${generatorPort}`;

setUpAndBuild('start');

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
    script: join(root, 'dist', 'apps', 'web-server', 'main.js'),
    args: [],
    env: { WEB_PORT: webPort, API_URL: apiUrl, GENERATOR_URL: generatorUrl },
  },
];

let stopping = false;
const children = services.map(({ name, script, args, env: extra }) =>
  spawnPrefixed(name, process.execPath, [script, ...args], { ...env, ...extra }, (prefix, code) => {
    if (!stopping) {
      console.error(`${prefix}exited with ${code}; stopping the others`);
      stop(1);
    }
  }),
);

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
