// A real Prometheus stack on loopback, wired to our api: node_exporter, Prometheus (server or agent
// mode) remote-writing into `${apiUrl}/api/v1/write`, and optionally Alertmanager. Used by
// `npm run start:prometheus` and by integration tests, so both run one copy of the configs.
// The configs are built as objects and written with the `yaml` package; the binaries come from
// Debian's prometheus, prometheus-node-exporter and prometheus-alertmanager packages (upstream names
// are tried too).
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Document, Scalar } from 'yaml';

const HOST = '127.0.0.1';
const DEFAULT_API_URL = 'http://127.0.0.1:8000';
const RULES_FILE = 'node-rules.yml';
const OUTPUT_LINES = 2000;
const ERROR_TAIL_LINES = 25;

const PROGRAMS = {
  nodeExporter: {
    label: 'node_exporter',
    binaries: ['prometheus-node-exporter', 'node_exporter'],
    readyPath: '/metrics',
    apt: 'prometheus-node-exporter',
  },
  prometheus: { label: 'prometheus', binaries: ['prometheus'], readyPath: '/-/ready', apt: 'prometheus' },
  alertmanager: {
    label: 'alertmanager',
    binaries: ['prometheus-alertmanager', 'alertmanager'],
    readyPath: '/-/ready',
    apt: 'prometheus-alertmanager',
  },
};

/**
 * The server name Prometheus gives node_exporter's series (`instance`), which the api turns into a
 * server. Kept to lowercase letters, digits and `._-`: a strict subset of SERVER_NAME_PATTERN in
 * libs/contracts, without `:` since the api strips a trailing `:port` from that label.
 */
export function stackHostName(given) {
  if (given !== undefined) {
    if (!/^[a-z0-9][a-z0-9._-]{0,127}$/.test(given)) {
      throw new Error(`hostName must be 1-128 lowercase letters, digits or ._- starting with a letter or digit (got "${given}")`);
    }
    return given;
  }
  const name = hostname()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 128);
  return name || 'localhost';
}

/**
 * node-mixin's recording rules (node-exporter.rules) plus one for filesystem usage, which node-mixin
 * lacks. The cpu rule divides busy time by all cpu time rather than by wall time as node-mixin does:
 * equal once the window is full, but rate() divides by the whole window, so node-mixin's form reads
 * near 100 % on a fresh Prometheus until `rateWindow` has passed, and this one is right from the second
 * scrape. The cpu series keeps node-mixin's name whatever the window, because receivers look it up by it.
 */
export function recordingRules({ rateWindow = '5m' } = {}) {
  const node = 'job="node"';
  return [
    { record: 'instance:node_num_cpu:sum', expr: `count without (cpu, mode) (node_cpu_seconds_total{${node},mode="idle"})` },
    {
      record: 'instance:node_cpu_utilisation:rate5m',
      expr:
        `1 - avg without (cpu) (sum without (mode) (rate(node_cpu_seconds_total{${node},mode=~"idle|iowait|steal"}[${rateWindow}]))` +
        ` / sum without (mode) (rate(node_cpu_seconds_total{${node}}[${rateWindow}])))`,
    },
    { record: 'instance:node_load1_per_cpu:ratio', expr: `node_load1{${node}} / instance:node_num_cpu:sum{${node}}` },
    {
      record: 'instance:node_memory_utilisation:ratio',
      expr:
        `1 - ((node_memory_MemAvailable_bytes{${node}} or (node_memory_Buffers_bytes{${node}} + node_memory_Cached_bytes{${node}}` +
        ` + node_memory_MemFree_bytes{${node}} + node_memory_Slab_bytes{${node}})) / node_memory_MemTotal_bytes{${node}})`,
    },
    {
      record: 'instance:node_filesystem_usage:ratio',
      expr: `1 - (node_filesystem_avail_bytes{${node},fstype!=""} / node_filesystem_size_bytes{${node},fstype!=""})`,
    },
  ];
}

/** The rules file Prometheus loads in server mode with `recordingRules: true`. */
export function recordingRulesConfig(options = {}) {
  return yamlFile({ groups: [{ name: 'node-exporter.rules', rules: recordingRules(options) }] });
}

/**
 * prometheus.yml. Addresses default to the usual ports so the text reads well in docs;
 * startPrometheusStack passes the ports it picked.
 */
export function prometheusConfig(options = {}) {
  const o = withDefaults(options);
  const agent = o.mode === 'agent';
  const api = o.apiUrl === null ? null : apiTarget(o.apiUrl);
  const authorization = o.apiKey ? { authorization: { credentials: o.apiKey } } : {};
  const ruleFiles = agent ? [] : [...(o.recordingRules ? [RULES_FILE] : []), ...o.ruleFiles];
  const scrapeConfigs = [];
  if (o.nodeExporter) {
    scrapeConfigs.push({
      job_name: 'node',
      static_configs: [{ targets: [o.nodeExporterAddress] }],
      // a stable server name for the api instead of host:port
      relabel_configs: [{ target_label: 'instance', replacement: o.hostName }],
    });
  }
  if (api && o.scrapeApiMetrics) {
    scrapeConfigs.push({
      job_name: 'tft',
      scheme: api.scheme,
      metrics_path: `${api.path}/metrics`,
      static_configs: [{ targets: [api.address] }],
      ...authorization,
    });
  }
  const config = {
    global: { scrape_interval: o.scrapeInterval, ...(agent ? {} : { evaluation_interval: o.evaluationInterval }) },
    ...(ruleFiles.length ? { rule_files: ruleFiles } : {}),
    scrape_configs: scrapeConfigs,
  };
  if (api) {
    config.remote_write = [
      {
        name: 'tft',
        url: `${api.origin}${api.path}/api/v1/write`,
        remote_timeout: '30s',
        ...authorization,
        metadata_config: { send: false },
        // the api may come up after Prometheus: keep retrying at a short interval
        queue_config: { batch_send_deadline: o.batchSendDeadline, max_backoff: '5s' },
        // only the series the receiver reads
        write_relabel_configs: [{ source_labels: ['__name__', 'mode', 'mountpoint'], separator: ';', regex: keepRegex(o), action: 'keep' }],
      },
    ];
  }
  if (!agent && o.alertmanagerAddress) {
    config.alerting = { alertmanagers: [{ static_configs: [{ targets: [o.alertmanagerAddress] }] }] };
  }
  return yamlFile(config);
}

/** alertmanager.yml: fast grouping so tests see notifications within seconds. */
export function alertmanagerConfig(options = {}) {
  const { alertmanagerWebhookUrl, groupWait = '1s', groupInterval = '1s', repeatInterval = '1h' } = options;
  const receiver = alertmanagerWebhookUrl ? 'webhook' : 'null';
  return yamlFile({
    route: {
      receiver,
      // one notification group per alert; quoted, as `...` also reads as YAML's end of document
      group_by: [quoted('...')],
      group_wait: groupWait,
      group_interval: groupInterval,
      repeat_interval: repeatInterval,
    },
    receivers: [
      {
        name: receiver,
        ...(alertmanagerWebhookUrl ? { webhook_configs: [{ url: alertmanagerWebhookUrl, send_resolved: true }] } : {}),
      },
    ],
  });
}

/**
 * A generated config file. YAML 1.1 rules decide what gets quoted, because Prometheus and Alertmanager
 * read with a YAML 1.1 parser: a host name `yes` or a key `null` stays a string there. Long values
 * (rule expressions, the keep regex) stay on one line.
 */
function yamlFile(value) {
  const doc = new Document(value, { version: '1.1', aliasDuplicateObjects: false });
  doc.commentBefore = ' Generated by tools/prometheus-stack.mjs';
  return doc.toString({ lineWidth: 0 });
}

function quoted(text) {
  const scalar = new Scalar(text);
  scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}

/**
 * Starts the chosen programs on free loopback ports with a temporary directory, waits until each
 * answers, and returns their URLs and a stop(). On failure everything started is stopped and the
 * error carries the failing program's last output lines.
 */
export async function startPrometheusStack(options = {}) {
  const o = withDefaults(options);
  const log = options.log ?? (() => undefined);
  const wanted = Object.keys(PROGRAMS).filter((key) => o[key]);
  const binaries = Object.fromEntries(wanted.map((key) => [key, findBinary(PROGRAMS[key], options.binaries?.[key])]));
  const ports = await pickPorts(wanted, options.ports ?? {}, log);
  const root = await mkdtemp(join(tmpdir(), 'tft-prometheus-stack-'));
  const dirs = { root };
  for (const key of wanted.filter((k) => k !== 'nodeExporter')) {
    dirs[key] = join(root, key);
    await mkdir(dirs[key]);
  }
  const address = (key) => (ports[key] ? `${HOST}:${ports[key]}` : undefined);
  const output = [];
  const record = (line) => {
    output.push(line);
    if (output.length > OUTPUT_LINES) output.splice(0, output.length - OUTPUT_LINES);
    log(line);
  };
  const children = [];
  // Last resort when the caller exits without stop(): no orphaned daemons, no leftover directory.
  const killOnExit = () => {
    for (const child of children) signal(child, 'SIGKILL');
    try {
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      /* best effort */
    }
  };
  process.on('exit', killOnExit);
  let stopped = null;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all(children.map((child) => stopChild(child, o.stopTimeoutMs)));
      process.off('exit', killOnExit);
      await rm(root, { recursive: true, force: true });
    })());

  try {
    const starts = [];
    if (o.nodeExporter) {
      // Debian enables the systemd collector, which logs an error on every scrape without systemd.
      starts.push(['nodeExporter', [`--web.listen-address=${address('nodeExporter')}`, '--no-collector.systemd']]);
    }
    if (o.alertmanager) {
      const file = join(dirs.alertmanager, 'alertmanager.yml');
      await writeFile(file, alertmanagerConfig(o));
      starts.push([
        'alertmanager',
        [
          `--config.file=${file}`,
          `--storage.path=${join(dirs.alertmanager, 'data')}`,
          `--web.listen-address=${address('alertmanager')}`,
          '--cluster.listen-address=',
        ],
      ]);
    }
    if (o.prometheus) {
      const dir = dirs.prometheus;
      const file = join(dir, 'prometheus.yml');
      const config = { ...o, nodeExporterAddress: address('nodeExporter'), alertmanagerAddress: address('alertmanager') };
      await writeFile(file, prometheusConfig(config));
      if (o.mode === 'server' && o.recordingRules) await writeFile(join(dir, RULES_FILE), recordingRulesConfig(o));
      const storage =
        o.mode === 'agent'
          ? ['--enable-feature=agent', `--storage.agent.path=${join(dir, 'data')}`]
          : [`--storage.tsdb.path=${o.tsdbPath ?? join(dir, 'data')}`];
      starts.push([
        'prometheus',
        [
          `--config.file=${file}`,
          ...storage,
          `--web.listen-address=${address('prometheus')}`,
          '--web.enable-lifecycle',
          // The default (1m) makes shutdown hang whenever the api is already gone.
          '--storage.remote.flush-deadline=2s',
        ],
      ]);
    }
    const startMs = {};
    await Promise.all(
      starts.map(async ([key, args]) => {
        const began = Date.now();
        const child = launch(key, binaries[key], args, root, record);
        children.push(child);
        await waitReady(child, `http://${address(key)}${PROGRAMS[key].readyPath}`, o.readyTimeoutMs);
        startMs[key] = Date.now() - began;
        record(`[stack] ${PROGRAMS[key].label} ready on http://${address(key)} in ${startMs[key]} ms`);
      }),
    );
    const url = (key) => (ports[key] ? `http://${address(key)}` : undefined);
    return {
      nodeExporterUrl: url('nodeExporter'),
      prometheusUrl: url('prometheus'),
      alertmanagerUrl: url('alertmanager'),
      hostName: o.nodeExporter ? o.hostName : undefined,
      dirs,
      pids: Object.fromEntries(children.map((c) => [c.stackKey, c.pid])),
      startMs,
      stop,
      output: () => output.join('\n'),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function withDefaults(options) {
  const mode = options.mode ?? 'server';
  if (mode !== 'server' && mode !== 'agent') throw new Error(`mode must be 'server' or 'agent' (got "${mode}")`);
  const scrapeInterval = options.scrapeInterval ?? '5s';
  return {
    apiUrl: options.apiUrl === undefined ? DEFAULT_API_URL : options.apiUrl,
    apiKey: options.apiKey || undefined,
    mode,
    nodeExporter: options.nodeExporter ?? true,
    prometheus: options.prometheus ?? true,
    alertmanager: options.alertmanager ?? false,
    scrapeInterval,
    evaluationInterval: options.evaluationInterval ?? scrapeInterval,
    scrapeApiMetrics: options.scrapeApiMetrics ?? true,
    recordingRules: options.recordingRules ?? false,
    // server mode: serve this TSDB directory (e.g. history backfilled with `promtool tsdb
    // create-blocks-from openmetrics`) instead of an empty one; it is the caller's and stays after stop()
    tsdbPath: options.tsdbPath,
    // more rule files for server mode, by absolute path (the monitoring mixin's rules)
    ruleFiles: options.ruleFiles ?? [],
    rateWindow: options.rateWindow ?? '5m',
    mountpoint: options.mountpoint ?? '/',
    batchSendDeadline: options.batchSendDeadline ?? '5s',
    hostName: stackHostName(options.hostName),
    nodeExporterAddress: options.nodeExporterAddress ?? `${HOST}:9100`,
    alertmanagerAddress: options.alertmanagerAddress ?? (options.alertmanager ? `${HOST}:9093` : undefined),
    alertmanagerWebhookUrl: options.alertmanagerWebhookUrl,
    groupWait: options.groupWait,
    groupInterval: options.groupInterval,
    repeatInterval: options.repeatInterval,
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
  };
}

/**
 * `[__name__, mode, mountpoint]` joined by `;`, so one keep rule can say "this name with that label":
 * the series of the receiver's table (libs/remote-write's received-series.json; keepRegex there builds
 * the same rule for the api and docs/PROMETHEUS.md, and a test checks they agree).
 */
function keepRegex({ mountpoint }) {
  return RECEIVED_SERIES.map((s) => `${escapeRegex(s.name)};${s.mode ?? ''};${s.atMountpoint ? escapeRegex(mountpoint) : ''}`).join('|');
}

const RECEIVED_SERIES = JSON.parse(readFileSync(new URL('../libs/remote-write/src/lib/received-series.json', import.meta.url), 'utf8'));

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function apiTarget(apiUrl) {
  const url = new URL(apiUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`apiUrl must be http(s) (got "${apiUrl}")`);
  const scheme = url.protocol.slice(0, -1);
  const port = url.port || (scheme === 'https' ? '443' : '80');
  return { scheme, address: `${url.hostname}:${port}`, origin: url.origin, path: url.pathname.replace(/\/+$/, '') };
}

function findBinary({ label, binaries, apt }, given) {
  const executable = (path) => {
    try {
      accessSync(path, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (given !== undefined) {
    if (!executable(given)) throw new Error(`${label}: ${given} is not an executable file`);
    return given;
  }
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of binaries) {
    const dir = dirs.find((d) => executable(join(d, name)));
    if (dir) return join(dir, name);
  }
  throw new Error(`${label}: none of ${binaries.join(', ')} is on PATH (apt-get install ${apt})`);
}

/** Preferred ports when given and free, else ports the kernel hands out; all held until all are picked. */
async function pickPorts(keys, preferred, log) {
  const servers = [];
  const ports = {};
  try {
    for (const key of keys) {
      let server = preferred[key] ? await listen(preferred[key]).catch(() => null) : null;
      if (preferred[key] && !server) log(`[stack] port ${preferred[key]} is taken; ${PROGRAMS[key].label} gets a free one`);
      server ??= await listen(0);
      servers.push(server);
      ports[key] = server.address().port;
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
  return ports;
}

function listen(port) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, HOST, () => resolve(server));
  });
}

function launch(key, binary, args, cwd, record) {
  const { label } = PROGRAMS[key];
  const child = spawn(binary, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stackKey = key;
  child.stackLabel = label;
  child.tail = [];
  child.exited = new Promise((resolve) => {
    child.once('close', resolve);
    child.once('error', (err) => {
      child.spawnError = err;
      child.tail.push(`spawn ${binary}: ${err.message}`);
      resolve();
    });
  });
  const prefix = `[${label}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        child.tail.push(line);
        if (child.tail.length > ERROR_TAIL_LINES) child.tail.shift();
        record(prefix + line);
      }
    });
  }
  return child;
}

const running = (child) => child.pid !== undefined && child.exitCode === null && child.signalCode === null && !child.spawnError;

async function waitReady(child, url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  const fail = (why) => new Error(`${child.stackLabel} ${why}; its last output:\n${child.tail.join('\n') || '(none)'}`);
  for (;;) {
    if (!running(child)) {
      await child.exited;
      throw child.spawnError ? fail('did not start') : fail(`exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw fail(`was not ready at ${url} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopChild(child, timeoutMs) {
  if (!running(child)) return;
  signal(child, 'SIGTERM');
  const timer = setTimeout(() => signal(child, 'SIGKILL'), timeoutMs);
  await child.exited;
  clearTimeout(timer);
}

function signal(child, name) {
  try {
    if (running(child)) process.kill(child.pid, name);
  } catch {
    /* exited meanwhile */
  }
}
