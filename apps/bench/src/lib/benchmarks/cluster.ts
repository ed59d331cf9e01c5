import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { StatusDto } from '@tft/api-client';
import { bucketStart } from '@tft/forecasting';
import { ApiProcess, freePort } from '../api-process';
import { fill, FILL_BATCH, STEP, waitForTft } from '../fill';
import { makeFleet } from '../fleet';
import type { Log } from '../log';
import { cleanup, rssMb, sleep } from '../proc';
import { num } from '../report';
import { SEED } from '../rng';

export interface ClusterRun {
  /** "embedded" (one process, SQLite) or "N replicas" (NATS JetStream on loopback). */
  mode: string;
  replicas: number;
  /** The fill through one replica: POST /feed/data, 2,000-record bodies over two connections, answered after the store (SQLite or JetStream) acknowledged. */
  ingest_records_per_second: number;
  /** From the end of the fill until every server had a TFT forecast readable through the first replica. */
  forecast_wait_s: number;
  /** A step closing for every server: the mean re-forecast pass of the slowest replica (each passes over its own partitions). */
  step_pass_ms: number;
  /** From posting that step to every server's new forecast readable through the first replica. */
  step_visible_ms: number;
  /** RSS of each process after the step (MB): replicas, then nats-server. */
  rss_mb: (number | null)[];
  /** What JetStream holds after the step: the metrics log (TFT_METRICS) and the forecasts bucket (KV_TFT_FORECASTS). */
  store: { metrics_log: { messages: number; bytes: number }; forecasts: { messages: number; bytes: number } } | null;
  /** Records the fill and the step stored. */
  records: number;
}

export interface ClusterResult {
  servers: number;
  steps_per_server: number;
  runs: ClusterRun[];
  note: string;
}

/** Debian's nats-server with JetStream on a loopback port and a temporary store. */
export interface NatsProcess {
  url: string;
  pid: number | undefined;
  /** SIGTERM and start again on the same port and store (an operator's restart). */
  restart(downMs?: number): Promise<void>;
  stop(): void;
}

export async function startNats(): Promise<NatsProcess> {
  const port = await freePort();
  const store = cleanup.dir(mkdtempSync(join(tmpdir(), 'tft-bench-nats-')));
  let child = await launchNats(port, store);
  return {
    url: `nats://127.0.0.1:${port}`,
    get pid() {
      return child.pid;
    },
    restart: async (downMs = 0) => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await sleep(downMs);
      child = await launchNats(port, store);
    },
    stop: () => child.kill('SIGTERM'),
  };
}

async function launchNats(port: number, store: string) {
  const child = cleanup.child(spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], { stdio: 'ignore' }));
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(true));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
    });
    if (up) break;
    await sleep(100);
  }
  return child;
}

const passSeconds = async (api: ApiProcess): Promise<{ sum: number; count: number }> => {
  const text = (await api.getText('/metrics')).text;
  const value = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
  return { sum: value('tft_forecast_pass_duration_seconds_sum'), count: value('tft_forecast_pass_duration_seconds_count') };
};

/**
 * The same 1,000-server fill and one closing step through the embedded mode and through clusters of
 * 1, 2 and 3 replicas on loopback. The replicas share this machine's cores, so what it shows is the
 * cost of the metrics log and of sharing forecasts, not a speed-up.
 */
export async function benchCluster(o: { root: string; modelDir: string; quick: boolean; log: Log }): Promise<ClusterResult> {
  const servers = o.quick ? 200 : 1000;
  const steps = 36;
  const fleet = makeFleet(servers, SEED + 19);
  const lastStep = bucketStart(Date.now() / 1000, STEP) - STEP;
  const runs: ClusterRun[] = [];
  for (const replicas of [0, 1, 2, 3]) {
    const mode = replicas ? `${replicas} replica${replicas > 1 ? 's' : ''}` : 'embedded';
    const nats = replicas ? await startNats() : null;
    const apis: ApiProcess[] = [];
    try {
      for (let i = 0; i < Math.max(1, replicas); i++) {
        const env: Record<string, string> = nats ? { NATS_URL: nats.url, REPLICA_ID: `bench-${i + 1}` } : {};
        apis.push(await ApiProcess.start(o.root, { modelDir: o.modelDir, env, dataDirPrefix: 'tft-bench-cluster-' }));
      }
      if (nats) await settled(apis, o.log);
      const [first] = apis;
      const filled = await fill(
        first,
        fleet,
        { lastStep, steps, stepSeconds: STEP, batch: FILL_BATCH, seed: SEED },
        `cluster ${mode}`,
        o.log,
      );
      const forecastWait = await waitForTft(first, servers, `cluster ${mode}`, o.log, 600);
      await sleep(1500); // passes of the fill's tail are over
      const before = await Promise.all(apis.map(passSeconds));
      const posted = performance.now();
      const step = await first.postFeed(
        JSON.stringify({
          records: fleet.map((s, i) => ({
            timestamp: new Date((lastStep + STEP + (i % 200)) * 1000).toISOString(),
            server_name: s.name,
            cpu_percent: 40,
            memory_percent: 50,
            disk_percent: 40,
            load_average: 1,
          })),
        }),
      );
      if (step.status !== 200) throw new Error(`cluster ${mode}: the closing step got HTTP ${step.status}: ${step.text.slice(0, 200)}`);
      let visibleMs = Number.NaN;
      // its samples close the fill's open step for every server: each is re-forecast from that step
      const origin = new Date(lastStep * 1000).toISOString().replace('.000', '');
      for (let i = 0; i < 600; i++) {
        const s = await first.getJson<{ servers: { forecast_origin: string }[] }>(`/fleet/summary`);
        if (s.servers.filter((x) => x.forecast_origin >= origin).length >= servers) {
          visibleMs = performance.now() - posted;
          break;
        }
        await sleep(100);
      }
      const after = await Promise.all(apis.map(passSeconds));
      const passMs = Math.max(
        ...after.map((a, i) => (a.count > before[i].count ? ((a.sum - before[i].sum) / (a.count - before[i].count)) * 1000 : 0)),
      );
      const run: ClusterRun = {
        mode,
        replicas,
        ingest_records_per_second: filled.records_per_second,
        forecast_wait_s: +forecastWait.toFixed(1),
        step_pass_ms: Math.round(passMs),
        step_visible_ms: Math.round(visibleMs),
        rss_mb: [...apis.map((a) => a.rssMb()), ...(nats ? [rssMb(nats.pid)] : [])],
        store: nats ? await streamSizes(nats.url) : null,
        records: filled.records + servers,
      };
      runs.push(run);
      o.log(
        `cluster ${mode}: ingest ${num(run.ingest_records_per_second)} records/s; all TFT ${run.forecast_wait_s} s after the fill; ` +
          `a closing step: pass ${run.step_pass_ms} ms, visible everywhere after ${run.step_visible_ms} ms; RSS ${run.rss_mb.map((x) => num(x)).join(' / ')} MB` +
          (run.store
            ? `; JetStream: log ${num(run.store.metrics_log.bytes / run.records, 0)} bytes a record (${num(run.store.metrics_log.messages)} messages), ` +
              `forecasts ${num(run.store.forecasts.bytes / run.store.forecasts.messages, 0)} bytes a server`
            : ''),
      );
    } finally {
      for (const api of apis) await api.stop();
      nats?.stop();
    }
  }
  return {
    servers,
    steps_per_server: steps,
    runs,
    note: 'replicas share the same 2 cores: the cluster rows show the overhead of the metrics log and of sharing forecasts, not a speed-up',
  };
}

/** Messages and bytes JetStream holds now in the metrics log and the forecasts bucket (superseded forecasts not counted). */
async function streamSizes(url: string): Promise<NonNullable<ClusterRun['store']>> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const of = async (name: string) => {
      const { state } = await jsm.streams.info(name);
      return { messages: state.messages, bytes: state.bytes };
    };
    return { metrics_log: await of('TFT_METRICS'), forecasts: await of('KV_TFT_FORECASTS') };
  } finally {
    await nc.close();
  }
}

/** Waits until the replicas hold every partition once, each replayed. */
export async function settled(apis: ApiProcess[], log: Log): Promise<void> {
  for (let i = 0; i < 240; i++) {
    const views = await Promise.all(apis.map((a) => a.getJson<StatusDto>('/status')));
    const owned = views.flatMap((v) => v.cluster?.owned_partitions ?? []);
    const replayed = views.every((v) => v.cluster && v.cluster.replayed_partitions.length === v.cluster.owned_partitions.length);
    const fair = views.every((v) => (v.cluster?.owned_partitions.length ?? 0) >= Math.floor(16 / apis.length));
    if (new Set(owned).size === 16 && owned.length === 16 && replayed && fair) return;
    await sleep(250);
  }
  log('cluster: the replicas did not settle on the partitions within 60 s; measuring anyway');
}
