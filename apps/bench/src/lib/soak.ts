import { performance } from 'node:perf_hooks';
import type { FeedDataResponseDto } from '@tft/api-client';
import { ApiProcess } from './api-process';
import { IngestStream } from './bodies';
import { makeFleet } from './fleet';
import { defaultIo, type CliIo } from './log';
import { repoRoot, sleep } from './proc';
import { SEED } from './rng';
import { parseSoakArgs, SOAK_USAGE, type SoakArgs } from './soak-args';
import { runClusterSoak } from './soak-cluster';
import { errorCode, fixed, Tally, type Outcome } from './soak-tally';

/** What the soak needs of the api under test: an ApiProcess it started, or one at API_URL. */
interface SoakTarget {
  readonly base: string;
  headers(extra?: Record<string, string>): Record<string, string>;
  rssMb(): number | null;
}

/** An api run by someone else: no process to watch or stop. */
class RemoteApi implements SoakTarget {
  constructor(
    readonly base: string,
    private readonly key: string | undefined,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.key ? { 'x-api-key': this.key, ...extra } : { ...extra };
  }

  rssMb(): null {
    return null;
  }
}

/** Sends the next batch; ok only when the api stored every record of it. */
async function write(api: SoakTarget, stream: IngestStream, batch: number): Promise<Outcome> {
  const body = stream.next();
  const started = performance.now();
  try {
    const res = await fetch(`${api.base}/feed/data`, {
      method: 'POST',
      headers: api.headers({ 'content-type': 'application/json' }),
      body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    if (res.status !== 200)
      return {
        ok: false,
        error: `write: HTTP ${res.status} ${text.slice(0, 120)}`,
      };
    const added = (JSON.parse(text) as FeedDataResponseDto).records_added;
    if (added !== batch)
      return {
        ok: false,
        error: `write: records_added ${added} for a batch of ${batch} new records`,
      };
    return { ok: true, ms, records: batch, bytes: 0 };
  } catch (err) {
    return { ok: false, error: `write: ${errorCode(err)}` };
  }
}

async function read(api: SoakTarget, path: string): Promise<Outcome> {
  const started = performance.now();
  try {
    const res = await fetch(`${api.base}${path}`, {
      headers: api.headers(),
      signal: AbortSignal.timeout(30_000),
    });
    const bytes = (await res.arrayBuffer()).byteLength;
    const ms = performance.now() - started;
    if (!res.ok) return { ok: false, error: `read: ${path} HTTP ${res.status}` };
    return { ok: true, ms, records: 0, bytes };
  } catch (err) {
    return { ok: false, error: `read: ${path} ${errorCode(err)}` };
  }
}

/**
 * `npm run soak`: the maximum ingest rate (closed loop), then a sustained open-loop share of it with
 * readers beside it; every acknowledged batch must be stored in full. Returns the exit code.
 */
export async function runSoak(argv: readonly string[], io: CliIo = defaultIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const cfg = parseSoakArgs(argv);
  if (cfg.help) {
    io.out(SOAK_USAGE);
    return 0;
  }
  if (cfg.cluster) return runClusterSoak(cfg, cfg.cluster, io);
  const remote = env['API_URL'] ? new RemoteApi(env['API_URL'].replace(/\/+$/, ''), env['API_KEY'] || undefined) : null;
  const api: SoakTarget =
    remote ??
    (await ApiProcess.start(repoRoot(), {
      inheritSettings: true,
      dataDirPrefix: 'tft-soak-',
    }));
  const child = api instanceof ApiProcess ? api : null;
  let code: number;
  let reason: string | null;
  try {
    ({ code, reason } = await soak(api, cfg, io, child ? ` (started here, pid ${child.pid}, DATA_DIR ${child.dataDir})` : ''));
  } catch (err) {
    await child?.stop();
    throw err;
  }
  if (child) {
    const exit = await child.stop(60_000);
    if (exit.code !== 0) {
      io.err(`soak: the api did not stop cleanly on SIGTERM (code ${exit.code}, signal ${exit.signal})\n${child.logTail(3000)}`);
      code = 1;
      reason ??= 'the api did not stop cleanly on SIGTERM';
    } else io.out('  api stopped cleanly on SIGTERM (exit 0)');
    if (code !== 0 && exit.code === 0) io.err(`soak: the api's log, last lines:\n${child.logTail(3000)}`);
  }
  if (reason) io.err(`soak: FAILED: ${reason}`);
  else io.out('soak: OK, no errors');
  return code;
}

async function soak(api: SoakTarget, cfg: SoakArgs, io: CliIo, startedHere: string): Promise<{ code: number; reason: string | null }> {
  io.out(`soak: api ${api.base}${startedHere}; batches of ${cfg.batch} records over ${cfg.servers} servers`);
  // a week back on a step boundary, and names of their own: never the records of a live fleet
  const t0 = Math.floor(Date.now() / 1000 / 300) * 300 - 7 * 86400;
  const fleet = makeFleet(cfg.servers, SEED + 30).map((s) => ({
    ...s,
    name: `soak-${s.name}`,
  }));
  const stream = new IngestStream(fleet, t0, cfg.batch, 5, SEED + 31);
  const errorsSeen = new Map<string, number>();
  const writes = new Tally();
  const reads = new Tally();
  /** Counts the outcome everywhere it belongs, and the error by kind. */
  const count = (o: Outcome, ...tallies: Tally[]) => {
    for (const t of tallies) t.add(o);
    if (!o.ok) errorsSeen.set(o.error.slice(0, 200), (errorsSeen.get(o.error.slice(0, 200)) ?? 0) + 1);
  };

  // 1. maximum: closed loop
  const measure = new Tally();
  const measureEnd = performance.now() + cfg.measureS * 1000;
  await Promise.all(
    Array.from({ length: cfg.writers }, async () => {
      while (performance.now() < measureEnd) count(await write(api, stream, cfg.batch), measure, writes);
    }),
  );
  const m = measure.summary();
  const maxBatchesPerS = m.n / cfg.measureS;
  io.out(
    `soak: max ingest ${fixed(maxBatchesPerS)} req/s = ${fixed(m.records / cfg.measureS, 0)} records/s ` +
      `(${cfg.writers} writers, closed loop, ${cfg.measureS} s; p50 ${fixed(m.p50)} ms, p99 ${fixed(m.p99)} ms, errors ${m.errors})`,
  );
  if (m.n === 0) return { code: 1, reason: 'no write succeeded while measuring' };

  // 2. sustained: open-loop writes at the target rate, paced readers
  const rate = maxBatchesPerS * cfg.load;
  io.out(
    `soak: running ${cfg.durationS} s at ${fixed(cfg.load * 100, 0)} % = ${fixed(rate, 2)} req/s (${fixed(rate * cfg.batch, 0)} records/s) with ${cfg.readers} readers`,
  );
  let win = { w: new Tally(), r: new Tally() };
  const all = { w: new Tally(), r: new Tally() };
  const rss: number[] = [];
  const started = performance.now();
  const end = started + cfg.durationS * 1000;
  let sent = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const paced = (async () => {
    const pending = new Set<Promise<void>>();
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      while (sent < due) {
        sent++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const p: Promise<void> = write(api, stream, cfg.batch).then((o) => {
          inFlight--;
          count(o, win.w, all.w, writes);
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
      count(await read(api, k++ % 2 === 0 ? '/predictions/current' : '/status'), win.r, all.r, reads);
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
      win = { w: new Tally(), r: new Tally() };
      const mem = api.rssMb();
      if (mem !== null) rss.push(mem);
      io.out(
        `[${fixed((now - started) / 1000, 0).padStart(4)} s] writes ${fixed(w.n / dt)} req/s ${fixed(w.records / dt, 0)} rec/s ` +
          `p50 ${fixed(w.p50)} p99 ${fixed(w.p99)} ms | reads ${fixed(r.n / dt)} req/s p50 ${fixed(r.p50)} p99 ${fixed(r.p99)} ms | ` +
          `errors ${w.errors + r.errors} | in flight ${inFlight} | api RSS ${mem === null ? 'n/a' : `${fixed(mem, 0)} MB`}`,
      );
    }
  })();
  await Promise.all([paced, reporter, ...readers]);

  const w = all.w.summary();
  const r = all.r.summary();
  const secs = (performance.now() - started) / 1000;
  io.out('soak: summary');
  io.out(`  max ingest (closed loop)  ${fixed(maxBatchesPerS)} req/s, ${fixed(m.records / cfg.measureS, 0)} records/s`);
  io.out(
    `  sustained writes          ${w.n} ok, ${w.errors} errors, ${fixed(w.n / secs, 2)} req/s, ${fixed(w.records / secs, 0)} records/s (target ${fixed(rate, 2)} req/s)`,
  );
  io.out(
    `  write latency             p50 ${fixed(w.p50)} ms, p99 ${fixed(w.p99)} ms, max ${fixed(w.max)} ms; most in flight ${maxInFlight}`,
  );
  io.out(
    `  reads                     ${r.n} ok, ${r.errors} errors, ${fixed(r.n / secs, 2)} req/s, ${fixed(all.r.bytes / 1024 / 1024, 0)} MB read`,
  );
  io.out(`  read latency              p50 ${fixed(r.p50)} ms, p99 ${fixed(r.p99)} ms, max ${fixed(r.max)} ms`);
  if (rss.length)
    io.out(
      `  api RSS                   first ${fixed(rss[0], 0)} MB, last ${fixed(rss[rss.length - 1], 0)} MB, max ${fixed(Math.max(...rss), 0)} MB`,
    );
  io.out(`  records acknowledged      ${writes.records} (every one stored: records_added checked per batch)`);
  for (const [what, n] of errorsSeen) io.out(`  error x${n}: ${what}`);
  const errors = writes.errors + reads.errors;
  return errors ? { code: 1, reason: `${errors} errors` } : { code: 0, reason: null };
}
