import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FeedDataResponseDto, ServerDetailDto } from '@tft/api-client';
import { isoSeconds } from '@tft/forecasting';
import { ApiProcess, freePort } from './api-process';
import { settled, startNats, type NatsProcess } from './benchmarks/cluster';
import { IngestStream } from './bodies';
import { makeFleet } from './fleet';
import type { CliIo } from './log';
import { repoRoot, sleep } from './proc';
import { SEED } from './rng';
import type { ClusterSoakArgs, SoakArgs } from './soak-args';
import { errorCode, fixed, Tally, type Outcome } from './soak-tally';

/** Servers held at 97 % cpu, so that critical alerts fire and must survive the faults without a second page. */
const HOT_SERVERS = 5;
/** How long a write is retried on the other replicas before it counts as an error. */
const GIVE_UP_MS = 120_000;

/** The replicas, restarted in place: the writers always use the live ones. */
class Replicas {
  private readonly live = new Map<string, ApiProcess>();
  private turn = 0;

  constructor(
    private readonly start: (id: string) => Promise<ApiProcess>,
    readonly ids: readonly string[],
  ) {}

  async startAll(): Promise<void> {
    for (const id of this.ids) this.live.set(id, await this.start(id));
  }

  /** The next live replica, round-robin: what a load balancer in front of them would pick. */
  next(): ApiProcess | null {
    const live = [...this.live.values()];
    return live.length ? live[this.turn++ % live.length] : null;
  }

  all(): ApiProcess[] {
    return [...this.live.values()];
  }

  /** kill -9 of one replica, and the same REPLICA_ID started again after `downMs`. */
  async killAndRestart(id: string, downMs: number): Promise<void> {
    const victim = this.live.get(id);
    this.live.delete(id);
    await victim?.kill();
    await sleep(downMs);
    this.live.set(id, await this.start(id));
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all().map((r) => r.stop()));
    this.live.clear();
  }
}

/**
 * The api's webhook notifications per alert: a firing notification for an alert already firing at that
 * severity, with no resolved in between, is a second page for one problem (an escalation is a new page).
 */
class PageLog {
  /** Alert id (the webhook's fingerprint) to the severity it is firing at, who paged when (s since start), and its startsAt. */
  readonly firing = new Map<string, { severity: string; by: string; at: number; startsAt: string }>();
  private readonly started = performance.now();
  pages = 0;
  resolves = 0;
  readonly doublePages: string[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.end();
        const payload = JSON.parse(body) as {
          alerts: { status: string; fingerprint: string; startsAt: string; labels: Record<string, string> }[];
        };
        const by = (req.url ?? '').split('/').pop() ?? '?';
        const at = Math.round((performance.now() - this.started) / 1000);
        for (const a of payload.alerts) {
          if (a.status === 'resolved') {
            this.resolves++;
            this.firing.delete(a.fingerprint);
          } else {
            this.pages++;
            const severity = a.labels['severity'];
            const before = this.firing.get(a.fingerprint);
            if (before?.severity === severity) {
              // the same startsAt: the alert went on and was notified again; another: its lifecycle began afresh
              const starts = before.startsAt === a.startsAt ? `startsAt ${a.startsAt}` : `startsAt ${before.startsAt} then ${a.startsAt}`;
              this.doublePages.push(
                `${a.labels['server']}/${a.labels['metric']} ${severity} (${before.by} at ${before.at} s, ${by} at ${at} s; ${starts})`,
              );
            }
            this.firing.set(a.fingerprint, { severity, by, at, startsAt: a.startsAt });
          }
        }
      });
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    this.server = server;
    this.url = `http://127.0.0.1:${port}/alerts`;
  }

  stop(): void {
    this.server?.close();
  }
}

/** A write through the cluster: round-robin, retried on another replica until acknowledged in full. */
async function write(replicas: Replicas, body: string, records: number): Promise<Outcome & { attempts: number }> {
  const started = performance.now();
  let attempts = 0;
  let last = '';
  while (performance.now() - started < GIVE_UP_MS) {
    const api = replicas.next();
    attempts++;
    if (api) {
      try {
        const res = await fetch(`${api.base}/feed/data`, {
          method: 'POST',
          headers: api.headers({ 'content-type': 'application/json' }),
          body,
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        if (res.status === 200) {
          const answer = JSON.parse(text) as FeedDataResponseDto;
          // a retry of a request whose answer was lost is stored once: its records come back as duplicates
          if (answer.records_added + answer.duplicates === records) {
            return { ok: true, ms: performance.now() - started, records, bytes: 0, attempts };
          }
          return { ok: false, error: `write: ${answer.records_added} added + ${answer.duplicates} duplicates of ${records}`, attempts };
        }
        last = `HTTP ${res.status} ${text.slice(0, 100)}`;
      } catch (err) {
        last = errorCode(err);
      }
    }
    await sleep(250);
  }
  return { ok: false, error: `write: not acknowledged within ${GIVE_UP_MS / 1000} s (last: ${last})`, attempts };
}

/**
 * `npm run soak -- --cluster`: the soak on replicas sharing nats-server, with a replica killed and
 * restarted every --kill-every and nats-server restarted once. Checks that what was acknowledged is
 * stored once and that no alert paged twice. Returns the exit code.
 */
export async function runClusterSoak(cfg: SoakArgs, faults: ClusterSoakArgs, io: CliIo): Promise<number> {
  const root = repoRoot();
  const key = randomBytes(24).toString('hex');
  const pages = new PageLog();
  await pages.start();
  let nats: NatsProcess | null = null;
  let replicas: Replicas | null = null;
  try {
    if (faults.replicaLogs !== null) mkdirSync(faults.replicaLogs, { recursive: true });
    nats = await startNats();
    const natsUrl = nats.url;
    const ids = Array.from({ length: faults.replicas }, (_, i) => `soak-${i + 1}`);
    replicas = new Replicas(
      (id) =>
        ApiProcess.start(root, {
          inheritSettings: true,
          dataDirPrefix: `tft-soak-${id}-`,
          key,
          env: { NATS_URL: natsUrl, REPLICA_ID: id, ALERT_WEBHOOK_URLS: `${pages.url}/${id}` },
          logFile: faults.replicaLogs === null ? undefined : join(faults.replicaLogs, `${id}.log`),
        }),
      ids,
    );
    await replicas.startAll();
    await settled(replicas.all(), (line) => io.out(line));
    io.out(`soak --cluster: ${faults.replicas} replicas on ${natsUrl}, batches of ${cfg.batch} records over ${cfg.servers} servers`);
    return await soak(cfg, faults, replicas, nats, pages, io);
  } finally {
    await replicas?.stopAll();
    nats?.stop();
    pages.stop();
  }
}

async function soak(
  cfg: SoakArgs,
  faults: ClusterSoakArgs,
  replicas: Replicas,
  nats: NatsProcess,
  pages: PageLog,
  io: CliIo,
): Promise<number> {
  const t0 = Math.floor(Date.now() / 1000 / 300) * 300 - 7 * 86400;
  const fleet = makeFleet(cfg.servers, SEED + 40).map((s) => ({ ...s, name: `soak-${s.name}` }));
  const stream = new IngestStream(fleet, t0, cfg.batch, 5, SEED + 41);
  const hot = Array.from({ length: HOT_SERVERS }, (_, i) => `soak-hot-${i + 1}`);
  const acked = { records: 0, hot: new Map<string, number>(hot.map((h) => [h, 0])) };
  /** Batches acknowledged, by number: batch b is records b*batch .. (b+1)*batch-1 of the stream. */
  const ackedBatches: boolean[] = [];
  const errors = new Map<string, number>();
  const count = (o: Outcome, ...tallies: Tally[]) => {
    for (const t of tallies) t.add(o);
    if (!o.ok) errors.set(o.error.slice(0, 200), (errors.get(o.error.slice(0, 200)) ?? 0) + 1);
  };
  let attempts = 0;
  let batches = 0;
  const send = async (...tallies: Tally[]) => {
    const b = batches++;
    const o = await write(replicas, stream.next(), cfg.batch);
    attempts += o.attempts;
    ackedBatches[b] = o.ok;
    if (o.ok) acked.records += cfg.batch;
    count(o, ...tallies);
  };

  // 1. maximum: closed loop through the replicas in turn
  const measure = new Tally();
  const measureEnd = performance.now() + cfg.measureS * 1000;
  await Promise.all(
    Array.from({ length: cfg.writers }, async () => {
      while (performance.now() < measureEnd) await send(measure);
    }),
  );
  const m = measure.summary();
  const maxPerS = m.n / cfg.measureS;
  io.out(
    `soak --cluster: max ingest ${fixed(maxPerS)} req/s = ${fixed(m.records / cfg.measureS, 0)} records/s (${cfg.writers} writers, closed loop)`,
  );
  if (m.n === 0) return 1;

  // 2. sustained, open loop, with the hot servers and the faults
  const rate = maxPerS * cfg.load;
  io.out(
    `soak --cluster: ${cfg.durationS} s at ${fixed(cfg.load * 100, 0)} % = ${fixed(rate, 2)} req/s; a replica killed every ${faults.killEveryS} s, ` +
      `nats-server restarted at ${faults.natsRestartAtS} s`,
  );
  const all = new Tally();
  let win = new Tally();
  const started = performance.now();
  const end = started + cfg.durationS * 1000;
  const elapsed = () => (performance.now() - started) / 1000;
  const events: string[] = [];
  let sent = 0;
  const paced = (async () => {
    const pending = new Set<Promise<void>>();
    while (performance.now() < end) {
      while (sent < Math.floor(elapsed() * rate)) {
        sent++;
        const p: Promise<void> = send(all, win).then(() => void pending.delete(p));
        pending.add(p);
      }
      await sleep(5);
    }
    await Promise.all(pending);
  })();
  const hotWriter = (async () => {
    while (performance.now() < end) {
      // at the stream's data time, so the hot servers' alerts live on the same clock as the fleet
      const t = t0 + Math.floor(stream.emitted / cfg.servers) * 5;
      const body = JSON.stringify({
        records: hot.map((server_name) => ({
          timestamp: isoSeconds(t),
          server_name,
          cpu_percent: 97,
          memory_percent: 60,
          disk_percent: 40,
          load_average: 4,
        })),
      });
      const o = await write(replicas, body, hot.length);
      if (o.ok) for (const h of hot) acked.hot.set(h, (acked.hot.get(h) ?? 0) + 1);
      else count(o);
      await sleep(2000);
    }
  })();
  const faultsRun = (async () => {
    let nextKill = faults.killEveryS;
    let natsDone = false;
    for (let k = 0; performance.now() < end; ) {
      if (!natsDone && elapsed() >= faults.natsRestartAtS) {
        natsDone = true;
        events.push(`${fixed(elapsed(), 0)} s: nats-server restarted`);
        await nats.restart(2000);
      } else if (elapsed() >= nextKill) {
        const id = replicas.ids[k++ % replicas.ids.length];
        events.push(`${fixed(elapsed(), 0)} s: kill -9 ${id}, started again after 10 s`);
        nextKill += faults.killEveryS;
        await replicas.killAndRestart(id, 10_000);
      }
      await sleep(500);
    }
  })();
  const reporter = (async () => {
    while (performance.now() < end) {
      await sleep(Math.min(cfg.reportS * 1000, Math.max(0, end - performance.now())));
      const w = win.summary();
      win = new Tally();
      io.out(
        `[${fixed(elapsed(), 0).padStart(5)} s] writes ${fixed(w.n / cfg.reportS)} req/s p50 ${fixed(w.p50)} p99 ${fixed(w.p99)} ms | ` +
          `errors ${w.errors} | replicas up ${replicas.all().length} | pages ${pages.pages}, resolves ${pages.resolves}, double pages ${pages.doublePages.length}`,
      );
    }
  })();
  await Promise.all([paced, hotWriter, faultsRun, reporter]);

  // 3. acknowledged = stored: every server's samples read back once the owners applied the log
  io.out('soak --cluster: reading every server back through the replicas...');
  await settled(replicas.all(), (line) => io.out(line));
  const expected = new Map<string, number>(acked.hot);
  for (let b = 0; b < ackedBatches.length; b++) {
    if (!ackedBatches[b]) continue;
    for (let k = b * cfg.batch; k < (b + 1) * cfg.batch; k++) {
      const name = fleet[k % fleet.length].name;
      expected.set(name, (expected.get(name) ?? 0) + 1);
    }
  }
  const spanH = ((ackedBatches.length * cfg.batch) / cfg.servers) * (5 / 3600);
  const mismatches: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    mismatches.length = 0;
    for (const [name, want] of expected) {
      const got = await stored(replicas, name);
      if (got !== want) mismatches.push(`${name}: ${got} stored of ${want} acknowledged`);
    }
    if (!mismatches.length) break;
    await sleep(5000); // an owner still replaying after the last restart
  }

  const w = all.summary();
  const secs = cfg.durationS;
  io.out('soak --cluster: summary');
  io.out(`  max ingest (closed loop)  ${fixed(maxPerS)} req/s, ${fixed(m.records / cfg.measureS, 0)} records/s`);
  io.out(
    `  sustained writes          ${w.n} ok, ${w.errors} errors, ${fixed(w.n / secs, 2)} req/s, ${fixed(w.records / secs, 0)} records/s (target ${fixed(rate, 2)} req/s)`,
  );
  io.out(
    `  write latency             p50 ${fixed(w.p50)} ms, p99 ${fixed(w.p99)} ms, max ${fixed(w.max)} ms (first attempt to acknowledgement); ${attempts} attempts for ${batches} batches`,
  );
  io.out(`  faults                    ${events.join('; ')}`);
  io.out(
    `  acknowledged = stored     ${mismatches.length ? `NO: ${mismatches.length} servers differ, e.g. ${mismatches.slice(0, 3).join('; ')}` : `yes: ${acked.records} records over ${cfg.servers} servers and ${HOT_SERVERS} hot ones read back (${fixed(spanH)} h of data time a server)`}`,
  );
  io.out(
    `  alerts                    ${pages.pages} firing notifications, ${pages.resolves} resolved, ${pages.doublePages.length} paged twice${pages.doublePages.length ? `: ${pages.doublePages.join(', ')}` : ''}`,
  );
  for (const [what, n] of errors) io.out(`  error x${n}: ${what}`);
  const failed = w.errors + errors.size > 0 || mismatches.length > 0 || pages.doublePages.length > 0 || pages.pages === 0;
  io.out(failed ? 'soak --cluster: FAILED' : 'soak --cluster: OK');
  return failed ? 1 : 0;
}

/** A server's stored samples (closed steps and the open one), read through any replica (its owner answers). */
async function stored(replicas: Replicas, server: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const api = replicas.next();
    if (!api) break;
    try {
      const res = await fetch(`${api.base}/servers/${server}`, { headers: api.headers(), signal: AbortSignal.timeout(10_000) });
      if (res.status === 404) return 0;
      if (res.ok) {
        const d = (await res.json()) as ServerDetailDto;
        return d.history.reduce((a, h) => a + h.samples, 0) + (d.open_step?.samples ?? 0);
      }
    } catch {
      /* the next replica */
    }
    await sleep(250);
  }
  return -1;
}
