#!/usr/bin/env node
// `npm run soak [-- --duration 60s]`: a sustained-load run against the inference api.
//
// 1. Builds the api (Nx-cached) and starts dist/apps/api/main.js on a free port with a
//    temporary DATA_DIR, its own API key and no write rate limit, or uses API_URL (and API_KEY) if set.
// 2. Measures the maximum ingest rate for --measure (10 s): a closed loop of --writers concurrent
//    POST /feed/data of --batch (1000) records each.
// 3. Drives ingest at --load (50 %) of that rate, open loop (a request is sent when it is due, whether
//    or not earlier ones have answered), plus --readers concurrent readers alternating
//    GET /predictions/current and GET /status, for --duration (5 minutes).
// Prints a line every 10 s (throughput, errors, p50/p99 latency of writes and reads, api RSS from
// /proc/<pid>/status) and a summary; exits 1 on any error (non-2xx, network error, a batch not stored
// in full) or when the api it started does not stop cleanly on SIGTERM. Node built-ins only.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function duration(text, name) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text).trim());
  if (!m) fail(`${name} must be a duration such as 90s, 5m or 300 (got "${text}")`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] ?? 's'];
}

function positive(text, name, { integer = true, max = 1e9 } = {}) {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || v > max || (integer && !Number.isInteger(v))) fail(`${name} must be a positive ${integer ? 'integer' : 'number'} (got "${text}")`);
  return v;
}

function fail(message) {
  console.error(`soak: ${message}`);
  process.exit(2);
}

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5m' },
    measure: { type: 'string', default: '10s' },
    load: { type: 'string', default: '0.5' },
    batch: { type: 'string', default: '1000' },
    servers: { type: 'string', default: '200' },
    writers: { type: 'string', default: '4' },
    readers: { type: 'string', default: '4' },
    'read-pause': { type: 'string', default: '100ms' },
    'report-every': { type: 'string', default: '10s' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}
const cfg = {
  durationS: duration(args.duration, '--duration'),
  measureS: duration(args.measure, '--measure'),
  load: positive(args.load, '--load', { integer: false, max: 1 }),
  batch: positive(args.batch, '--batch', { max: 20000 }),
  servers: positive(args.servers, '--servers', { max: 100000 }),
  writers: positive(args.writers, '--writers', { max: 256 }),
  readers: positive(args.readers, '--readers', { max: 256 }),
  readPauseMs: duration(args['read-pause'], '--read-pause') * 1000,
  reportS: duration(args['report-every'], '--report-every'),
};

// ---- the api under test ----------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startApi() {
  if (process.env.API_URL) {
    return { base: process.env.API_URL.replace(/\/+$/, ''), key: process.env.API_KEY || undefined, child: null, dataDir: null };
  }
  // set up and build first (Nx caches the build), so a fresh clone needs no other command
  for (const [cmd, argv] of [
    [process.execPath, [join(root, 'tools', 'setup.mjs'), '--no-apt']],
    ['npx', ['nx', 'build', 'api', '--output-style=static']],
  ]) {
    const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) {
      process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
      fail(`${[cmd, ...argv].join(' ')} failed`);
    }
  }
  const main = join(root, 'dist', 'apps', 'api', 'main.js');
  if (!existsSync(main)) fail(`${main} is missing after the build`);
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'tft-soak-'));
  const key = randomBytes(24).toString('hex');
  const env = { ...process.env, API_PORT: String(port), DATA_DIR: dataDir, API_KEY: key, API_KEYS: '', WRITE_RATE_LIMIT: '0', LOG_FORMAT: 'text' };
  const child = spawn(process.execPath, [main], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-20000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > until) fail(`the api did not start:\n${log}`);
    await sleep(200);
  }
  return { base, key, child, dataDir, exited, log: () => log };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rssMb(pid) {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

// ---- load --------------------------------------------------------------------------------------------

const PROFILES = [
  ['ppml', 'ml_compute'],
  ['ppdb', 'database'],
  ['ppweb', 'web_api'],
  ['ppcon', 'conductor_mgmt'],
  ['ppetl', 'data_ingest'],
  ['pprisk', 'risk_analytics'],
  ['ppgen', 'generic'],
];
const SERVERS = Array.from({ length: cfg.servers }, (_, i) => {
  const [prefix, profile] = PROFILES[i % PROFILES.length];
  return { name: `soak-${prefix}${String(i).padStart(5, '0')}`, profile };
});
const SAMPLE_S = 5;
// Record k is server k mod N at slot k div N of a simulated 5 s clock: no two records share a
// (server, second), so every acknowledged record must be stored (records_added === batch size).
const T0 = Math.floor(Date.now() / 1000 / 300) * 300 - 7 * 86400;
let nextRecord = 0;

function nextBatch() {
  const records = [];
  for (let i = 0; i < cfg.batch; i++) {
    const k = nextRecord++;
    const s = k % SERVERS.length;
    const slot = Math.floor(k / SERVERS.length);
    const t = T0 + slot * SAMPLE_S;
    const { name, profile } = SERVERS[s];
    const cpu = 35 + 20 * Math.sin((2 * Math.PI * (t % 86400)) / 86400) + ((s * 7 + slot) % 10);
    records.push({
      timestamp: new Date(t * 1000).toISOString().replace('.000Z', 'Z'),
      server_name: name,
      cpu_percent: Math.round(cpu * 10) / 10,
      memory_percent: 50 + (s % 30),
      disk_percent: 30 + (s % 50) + slot * 1e-4,
      load_average: Math.round(cpu * 4) / 100,
      status: 'healthy',
      profile,
    });
  }
  return { body: JSON.stringify({ records }), count: records.length };
}

class Stats {
  constructor() {
    this.reset();
  }
  reset() {
    this.lat = [];
    this.ok = 0;
    this.errors = 0;
    this.records = 0;
  }
  static pct(sorted, p) {
    if (!sorted.length) return NaN;
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  }
  summary() {
    const s = Float64Array.from(this.lat).sort();
    return { n: this.ok, errors: this.errors, records: this.records, p50: Stats.pct(s, 50), p99: Stats.pct(s, 99), max: s.length ? s[s.length - 1] : NaN };
  }
}

const errorsSeen = new Map();
function noteError(kind, detail) {
  const key = `${kind}: ${detail}`.slice(0, 200);
  errorsSeen.set(key, (errorsSeen.get(key) ?? 0) + 1);
}

async function write(api, stats, totals) {
  const { body, count } = nextBatch();
  const headers = { 'content-type': 'application/json' };
  if (api.key) headers['x-api-key'] = api.key;
  const started = performance.now();
  try {
    const res = await fetch(`${api.base}/feed/data`, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    const ms = performance.now() - started;
    if (res.status !== 200) {
      stats.errors++;
      totals.writeErrors++;
      noteError('write', `HTTP ${res.status} ${text.slice(0, 120)}`);
      return;
    }
    const added = JSON.parse(text).records_added;
    if (added !== count) {
      stats.errors++;
      totals.writeErrors++;
      noteError('write', `records_added ${added} for a batch of ${count} new records`);
      return;
    }
    stats.ok++;
    stats.records += count;
    stats.lat.push(ms);
    totals.records += count;
    totals.writes++;
  } catch (err) {
    stats.errors++;
    totals.writeErrors++;
    noteError('write', err.cause?.code ?? err.name ?? err.message);
  }
}

async function read(api, path, stats, totals) {
  const headers = api.key ? { 'x-api-key': api.key } : {};
  const started = performance.now();
  try {
    const res = await fetch(`${api.base}${path}`, { headers, signal: AbortSignal.timeout(30_000) });
    const bytes = (await res.arrayBuffer()).byteLength;
    const ms = performance.now() - started;
    if (!res.ok) {
      stats.errors++;
      totals.readErrors++;
      noteError('read', `${path} HTTP ${res.status}`);
      return;
    }
    stats.ok++;
    stats.lat.push(ms);
    totals.reads++;
    totals.readBytes += bytes;
  } catch (err) {
    stats.errors++;
    totals.readErrors++;
    noteError('read', `${path} ${err.cause?.code ?? err.name ?? err.message}`);
  }
}

const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

async function main() {
  const api = await startApi();
  const pid = api.child?.pid ?? null;
  console.log(
    `soak: api ${api.base}${api.child ? ` (started here, pid ${pid}, DATA_DIR ${api.dataDir})` : ''}; batches of ${cfg.batch} records over ${cfg.servers} servers`,
  );
  const totals = { records: 0, writes: 0, writeErrors: 0, reads: 0, readErrors: 0, readBytes: 0 };

  // 1. maximum: closed loop
  const measure = new Stats();
  const measureEnd = performance.now() + cfg.measureS * 1000;
  await Promise.all(
    Array.from({ length: cfg.writers }, async () => {
      while (performance.now() < measureEnd) await write(api, measure, totals);
    }),
  );
  const m = measure.summary();
  const maxBatchesPerS = m.n / cfg.measureS;
  console.log(
    `soak: max ingest ${fmt(maxBatchesPerS)} req/s = ${fmt(m.records / cfg.measureS, 0)} records/s ` +
      `(${cfg.writers} writers, closed loop, ${cfg.measureS} s; p50 ${fmt(m.p50)} ms, p99 ${fmt(m.p99)} ms, errors ${m.errors})`,
  );
  if (m.n === 0) {
    finish(api, totals, 1, 'no write succeeded while measuring');
    return;
  }

  // 2. sustained: open-loop writes at the target rate, paced readers
  const rate = maxBatchesPerS * cfg.load;
  console.log(`soak: running ${cfg.durationS} s at ${fmt(cfg.load * 100, 0)} % = ${fmt(rate, 2)} req/s (${fmt(rate * cfg.batch, 0)} records/s) with ${cfg.readers} readers`);
  const win = { w: new Stats(), r: new Stats() };
  const all = { w: new Stats(), r: new Stats() };
  const rss = [];
  const started = performance.now();
  const end = started + cfg.durationS * 1000;
  let sent = 0;
  let maxInFlight = 0;
  let inFlight = 0;
  const pending = new Set();
  const paced = (async () => {
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      while (sent < due) {
        sent++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const w = new Stats();
        const p = write(api, w, totals).then(() => {
          inFlight--;
          for (const s of [win.w, all.w]) {
            s.lat.push(...w.lat);
            s.ok += w.ok;
            s.errors += w.errors;
            s.records += w.records;
          }
          pending.delete(p);
        });
        pending.add(p);
      }
      await sleep(5);
    }
    await Promise.all(pending);
  })();
  const readers = Array.from({ length: cfg.readers }, async (_, i) => {
    let k = i;
    while (performance.now() < end) {
      const r = new Stats();
      await read(api, k++ % 2 === 0 ? '/predictions/current' : '/status', r, totals);
      for (const s of [win.r, all.r]) {
        s.lat.push(...r.lat);
        s.ok += r.ok;
        s.errors += r.errors;
      }
      await sleep(cfg.readPauseMs);
    }
  });
  const reporter = (async () => {
    let last = performance.now();
    while (performance.now() < end) {
      await sleep(Math.min(cfg.reportS * 1000, Math.max(0, end - performance.now())));
      const now = performance.now();
      const dt = (now - last) / 1000;
      last = now;
      const w = win.w.summary();
      const r = win.r.summary();
      const mem = rssMb(pid);
      if (mem !== null) rss.push(mem);
      console.log(
        `[${fmt((now - started) / 1000, 0).padStart(4)} s] writes ${fmt(w.n / dt)} req/s ${fmt(w.records / dt, 0)} rec/s ` +
          `p50 ${fmt(w.p50)} p99 ${fmt(w.p99)} ms | reads ${fmt(r.n / dt)} req/s p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} ms | ` +
          `errors ${w.errors + r.errors} | in flight ${inFlight} | api RSS ${mem === null ? 'n/a' : `${fmt(mem, 0)} MB`}`,
      );
      win.w.reset();
      win.r.reset();
    }
  })();
  await Promise.all([paced, reporter, ...readers]);

  const w = all.w.summary();
  const r = all.r.summary();
  const secs = (performance.now() - started) / 1000;
  console.log('soak: summary');
  console.log(`  max ingest (closed loop)  ${fmt(maxBatchesPerS)} req/s, ${fmt(m.records / cfg.measureS, 0)} records/s`);
  console.log(`  sustained writes          ${w.n} ok, ${w.errors} errors, ${fmt(w.n / secs, 2)} req/s, ${fmt(w.records / secs, 0)} records/s (target ${fmt(rate, 2)} req/s)`);
  console.log(`  write latency             p50 ${fmt(w.p50)} ms, p99 ${fmt(w.p99)} ms, max ${fmt(w.max)} ms; most in flight ${maxInFlight}`);
  console.log(`  reads                     ${r.n} ok, ${r.errors} errors, ${fmt(r.n / secs, 2)} req/s, ${fmt(totals.readBytes / 1024 / 1024, 0)} MB read`);
  console.log(`  read latency              p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, max ${fmt(r.max)} ms`);
  if (rss.length) console.log(`  api RSS                   first ${fmt(rss[0], 0)} MB, last ${fmt(rss.at(-1), 0)} MB, max ${fmt(Math.max(...rss), 0)} MB`);
  console.log(`  records acknowledged      ${totals.records} (every one stored: records_added checked per batch)`);
  for (const [what, n] of errorsSeen) console.log(`  error x${n}: ${what}`);
  const errors = totals.writeErrors + totals.readErrors;
  await finish(api, totals, errors ? 1 : 0, errors ? `${errors} errors` : null);
}

async function finish(api, totals, code, reason) {
  if (api.child) {
    api.child.kill('SIGTERM');
    const { code: exit, signal } = await Promise.race([api.exited, sleep(60_000).then(() => ({ code: null, signal: 'timeout' }))]);
    if (exit !== 0) {
      console.error(`soak: the api did not stop cleanly on SIGTERM (code ${exit}, signal ${signal})\n${api.log().slice(-3000)}`);
      code = 1;
    } else console.log('  api stopped cleanly on SIGTERM (exit 0)');
    if (code !== 0 && exit === 0) console.error(`soak: the api's log, last lines:\n${api.log().slice(-3000)}`);
    rmSync(api.dataDir, { recursive: true, force: true });
  }
  if (reason) console.error(`soak: FAILED: ${reason}`);
  else console.log('soak: OK, no errors');
  process.exit(code);
}

main().catch((err) => {
  console.error(`soak: ${err.stack ?? err}`);
  process.exit(1);
});
