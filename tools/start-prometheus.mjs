#!/usr/bin/env node
// `npm run start:prometheus`: `npm start` (api, generator, console) plus a real Prometheus stack around
// the api: node_exporter for this machine, Prometheus (recording rules, the monitoring mixin's alerts)
// remote-writing into the api, and Alertmanager, which the api and Prometheus send their alerts to.
// Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrometheusStack } from './prometheus-stack.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const apiPort = env.API_PORT ?? '8000';
const webPort = env.WEB_PORT ?? '8501';
const apiUrl = env.API_URL ?? `http://127.0.0.1:${apiPort}`;
const apiKey = env.API_KEY?.trim() || env.API_KEYS?.split(',')[0]?.trim() || undefined;
const consoleUrl = env.CONSOLE_URL ?? `http://localhost:${webPort}`;
const prefix = '[stack] ';

let stack;
try {
  stack = await startPrometheusStack({
    apiUrl,
    apiKey,
    mode: 'server',
    recordingRules: true,
    // the monitoring mixin's rules: the engine's own alerts reach the same Alertmanager
    ruleFiles: [join(root, 'deploy', 'monitoring', 'rules', 'tft-engine.rules.yml')],
    alertmanager: true,
    ports: { nodeExporter: 9100, prometheus: 9090, alertmanager: 9093 },
    // Startup chatter stays in stack.output(); what needs attention (remote write failing) is shown.
    log: (line) => {
      if (line.startsWith('[stack]') || /level=(warn|error)/.test(line)) process.stdout.write(`${line}\n`);
    },
  });
} catch (err) {
  process.stderr.write(`${prefix}${err.message}\n`);
  process.exit(1);
}

const alertmanagerUrls = [env.ALERTMANAGER_URL, stack.alertmanagerUrl].filter(Boolean).join(',');
// This machine reports on the wall clock, so the demo fleet does too: at npm start's 60x its data time
// would run hours ahead and leave this host stale. Its own data directory keeps a fast demo's
// stored clock out of it.
const product = spawn(process.execPath, [join(root, 'tools', 'start.mjs')], {
  cwd: root,
  env: {
    GENERATOR_SPEED: '1',
    DATA_DIR: join(root, 'data', 'prometheus-demo'),
    ...env,
    ALERTMANAGER_URL: alertmanagerUrls,
    CONSOLE_URL: consoleUrl,
  },
  stdio: 'inherit',
});

let stopping = false;
product.on('exit', (code, signal) => {
  if (!stopping) process.stderr.write(`${prefix}npm start ended (${code ?? signal}); stopping the Prometheus stack\n`);
  stop(code ?? 1);
});
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

void announceWhenApiAnswers();

async function announceWhenApiAnswers() {
  const headers = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  while (!stopping) {
    try {
      await fetch(`${apiUrl}/health`, { headers, signal: AbortSignal.timeout(2_000) });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  if (stopping) return;
  console.log(`
  Prometheus UI     ${stack.prometheusUrl}   (scrapes ${stack.nodeExporterUrl} as server "${stack.hostName}", remote-writes into ${apiUrl}/api/v1/write)
  Alertmanager UI   ${stack.alertmanagerUrl}   (the api's ALERTMANAGER_URL)
  ops console       ${consoleUrl}
  Ctrl-C stops everything.
`);
}

function stop(code) {
  if (stopping) return;
  stopping = true;
  // start.mjs stops its own children on SIGTERM; a terminal's Ctrl-C reaches it directly as well.
  if (product.exitCode === null && product.signalCode === null) product.kill('SIGTERM');
  const productDone = new Promise((r) => (product.exitCode !== null || product.signalCode !== null ? r() : product.once('exit', r)));
  Promise.all([productDone, stack.stop()]).then(
    () => process.exit(code),
    (err) => {
      process.stderr.write(`${prefix}stop failed: ${err.message}\n`);
      process.exit(1);
    },
  );
}
