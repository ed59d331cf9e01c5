import { performance } from 'node:perf_hooks';
import { encodeWriteRequest, type TimeSeries } from '@tft/remote-write';
import type { Log } from '../log';
import { num } from '../report';
import { closedLoop, CORES, HOSTS, SCRAPE_MS, shardedHosts, type BenchHost, type ClosedLoopRun, type Receiver } from './host-fleet';

export type RemoteWriteRun = ClosedLoopRun;

export interface RemoteWriteResult {
  samples_per_second: number;
  best_connections: number;
  hosts: number;
  samples_per_request: number;
  bytes_per_request: number;
  durability: string;
  runs: RemoteWriteRun[];
}

export const SAMPLES_PER_REQUEST = 2000;

/** Series a host's scrape becomes: one idle counter per core, MemAvailable/MemTotal, the root filesystem's avail/size, node_load1. */
const SERIES_PER_HOST = CORES + 5;

/**
 * What node_exporter's kept series look like after write_relabel_configs (docs/PROMETHEUS.md), per
 * host and scrape, with the labels they keep.
 */
function hostSeries(host: BenchHost): (scrape: number) => { labels: TimeSeries['labels']; value: number }[] {
  const instance = `${host.name}:9100`;
  const labels = (name: string, extra: Record<string, string> = {}) =>
    Object.entries({ __name__: name, instance, job: 'node', ...extra }).map(([n, value]) => ({ name: n, value }));
  const fs = { device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' };
  const idle = Array.from({ length: CORES }, (_, cpu) => labels('node_cpu_seconds_total', { cpu: String(cpu), mode: 'idle' }));
  const [available, total, fsAvailable, fsSize, load] = [
    labels('node_memory_MemAvailable_bytes'),
    labels('node_memory_MemTotal_bytes'),
    labels('node_filesystem_avail_bytes', fs),
    labels('node_filesystem_size_bytes', fs),
    labels('node_load1'),
  ];
  return (scrape) => {
    const s = host.next(scrape);
    return [
      ...idle.map((l, cpu) => ({ labels: l, value: s.idleSeconds[cpu] })),
      { labels: available, value: s.memoryAvailable },
      { labels: total, value: s.memoryTotal },
      { labels: fsAvailable, value: s.filesystemAvailable },
      { labels: fsSize, value: s.filesystemSize },
      { labels: load, value: s.load1 },
    ];
  };
}

/**
 * Request bodies as Prometheus' remote-write queue sends them, one list per shard: every 15-second
 * scrape of 500 hosts (9 series each), a host's series always in the same shard (Prometheus shards by
 * series and sends each shard's requests in order), cut into requests of 2,000 samples, one sample per
 * series, timestamps rising from two days ago (inside the window, never ahead of the clock). Built
 * before the run, so that encoding does not compete with the api for the two cores.
 */
export function buildShards(shards: number, requestsPerShard: number, t0: number): Buffer[][] {
  return shardedHosts(shards).map((hosts) => {
    const scrapes = hosts.map(hostSeries);
    const bodies: Buffer[] = [];
    let pending: TimeSeries[] = [];
    for (let scrape = 0; bodies.length < requestsPerShard; scrape++) {
      const t = t0 + scrape * SCRAPE_MS;
      for (const s of scrapes.flatMap((next) => next(scrape))) {
        pending.push({ labels: s.labels, samples: [{ value: s.value, timestamp: t }] });
        if (pending.length === SAMPLES_PER_REQUEST) {
          bodies.push(Buffer.from(encodeWriteRequest({ timeseries: pending })));
          pending = [];
          if (bodies.length === requestsPerShard) break;
        }
      }
    }
    return bodies;
  });
}

export const REMOTE_WRITE: Receiver = {
  label: 'remote write',
  path: '/api/v1/write',
  headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
  samplesPerRequest: SAMPLES_PER_REQUEST,
};

/** Remote write's bodies for `c` connections and about `total` samples, logged with their size. */
export function remoteWriteShards(c: number, total: number, t0: number, log: Log): { shards: Buffer[][]; bytes: number } {
  const built = performance.now();
  const shards = buildShards(c, Math.ceil(total / SAMPLES_PER_REQUEST / c), t0);
  const all = shards.flat();
  const bytes = Math.round(all.reduce((n, b) => n + b.length, 0) / all.length);
  log(
    `remote write: ${c} shard(s) of ${shards[0].length} requests of ${SAMPLES_PER_REQUEST} samples ` +
      `(${HOSTS} hosts x ${SERIES_PER_HOST} series, ${num(bytes)} bytes snappy each) built in ${Math.round(performance.now() - built)} ms`,
  );
  return { shards, bytes };
}

/** Two days ago, on the scrape grid: inside the window, never ahead of the clock. */
export const benchStart = (): number => Math.floor(Date.now() / SCRAPE_MS) * SCRAPE_MS - 2 * 86_400_000;

/**
 * POST /api/v1/write from autocannon, closed loop, for each connection count on a fresh api: samples
 * per second in acknowledged requests (the api answers only once they are on disk).
 */
export async function benchRemoteWrite(o: { root: string; modelDir: string; quick: boolean; log: Log }): Promise<RemoteWriteResult> {
  const connections = o.quick ? [1, 4] : [1, 4, 8];
  // bodies for this many samples per run: it ends when they are sent (a body is never sent twice)
  const total = o.quick ? 1_000_000 : 4_000_000;
  const t0 = benchStart();
  const runs: RemoteWriteRun[] = [];
  let bytes = 0;
  for (const c of connections) {
    const built = remoteWriteShards(c, total, t0, o.log);
    bytes = built.bytes;
    runs.push(await closedLoop(o, REMOTE_WRITE, built.shards));
  }
  const best = runs.reduce((a, b) => (b.samples_per_second > a.samples_per_second ? b : a));
  return {
    samples_per_second: best.samples_per_second,
    best_connections: best.connections,
    hosts: HOSTS,
    samples_per_request: SAMPLES_PER_REQUEST,
    bytes_per_request: bytes,
    durability: 'SQLITE_SYNCHRONOUS=FULL (the default)',
    runs,
  };
}
