import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { encodeWriteRequest, type TimeSeries } from '@tft/remote-write';
import { ApiProcess } from '../api-process';
import type { Log } from '../log';
import { num } from '../report';
import { seededRandom, SEED } from '../rng';

export interface RemoteWriteRun {
  connections: number;
  seconds: number;
  requests: number;
  /** Samples in requests the api acknowledged (stored durably before the answer). */
  samples: number;
  samples_per_second: number;
  /** Of those, observations placed into the step buckets (the rest: denominators, counter baselines). */
  observations_added: number;
  non_2xx: number;
  errors: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  api_rss_mb: number | null;
}

export interface RemoteWriteResult {
  samples_per_second: number;
  best_connections: number;
  hosts: number;
  samples_per_request: number;
  bytes_per_request: number;
  durability: string;
  runs: RemoteWriteRun[];
}

const HOSTS = 500;
const CORES = 4;
const SAMPLES_PER_REQUEST = 2000;
const SCRAPE_MS = 15_000;

/**
 * What node_exporter's kept series look like after write_relabel_configs (docs/PROMETHEUS.md), per
 * host: one idle counter per core, MemAvailable/MemTotal, the root filesystem's avail/size, node_load1.
 * `value(scrape)` is called once per scrape, in order: the counters accumulate.
 */
function hostSeries(h: number): { labels: TimeSeries['labels']; value: (scrape: number) => number }[] {
  const instance = `node-${String(h).padStart(4, '0')}.dc1.example.com:9100`;
  const rand = seededRandom(SEED + h);
  const busy = 0.2 + 0.6 * rand();
  const base = (name: string, extra: Record<string, string> = {}) =>
    Object.entries({ __name__: name, instance, job: 'node', ...extra }).map(([n, value]) => ({ name: n, value }));
  const memTotal = 16 * 2 ** 30;
  const fsSize = 200 * 2 ** 30;
  return [
    ...Array.from({ length: CORES }, (_, cpu) => {
      let idleSeconds = 1e6 * rand();
      return {
        labels: base('node_cpu_seconds_total', { cpu: String(cpu), mode: 'idle' }),
        value: () => (idleSeconds += (SCRAPE_MS / 1000) * (1 - busy) * (0.9 + 0.2 * rand())),
      };
    }),
    { labels: base('node_memory_MemAvailable_bytes'), value: (s: number) => memTotal * (0.3 + 0.1 * Math.sin(s / 200 + h)) },
    { labels: base('node_memory_MemTotal_bytes'), value: () => memTotal },
    {
      labels: base('node_filesystem_avail_bytes', { device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' }),
      value: (s: number) => fsSize * (0.6 - s * 1e-6),
    },
    { labels: base('node_filesystem_size_bytes', { device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' }), value: () => fsSize },
    { labels: base('node_load1'), value: (s: number) => CORES * busy * (0.8 + 0.4 * rand()) + 0.01 * (s % 7) },
  ];
}

/**
 * Request bodies as Prometheus' remote-write queue sends them, one list per shard: every 15-second
 * scrape of 500 hosts (9 series each), a host's series always in the same shard (Prometheus shards by
 * series and sends each shard's requests in order), cut into requests of 2,000 samples, one sample per
 * series, timestamps rising from two days ago (inside the window, never ahead of the clock). Built
 * before the run, so that encoding does not compete with the api for the two cores.
 */
export function buildShards(shards: number, requestsPerShard: number, t0: number): Buffer[][] {
  const fleet = Array.from({ length: HOSTS }, (_, h) => hostSeries(h));
  return Array.from({ length: shards }, (_, shard) => {
    const hosts = fleet.filter((_, h) => h % shards === shard);
    const bodies: Buffer[] = [];
    let pending: TimeSeries[] = [];
    for (let scrape = 0; bodies.length < requestsPerShard; scrape++) {
      const t = t0 + scrape * SCRAPE_MS;
      for (const s of hosts.flat()) {
        pending.push({ labels: s.labels, samples: [{ value: s.value(scrape), timestamp: t }] });
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

/**
 * POST /api/v1/write from autocannon, closed loop, for each connection count on a fresh api: samples
 * per second in acknowledged requests (the api answers only once they are on disk).
 */
export async function benchRemoteWrite(o: { root: string; modelDir: string; quick: boolean; log: Log }): Promise<RemoteWriteResult> {
  const connections = o.quick ? [1, 4] : [1, 4, 8];
  // bodies for this many samples per run: it ends when they are sent (a body is never sent twice)
  const total = o.quick ? 1_000_000 : 4_000_000;
  const t0 = Math.floor(Date.now() / SCRAPE_MS) * SCRAPE_MS - 2 * 86_400_000;
  const runs: RemoteWriteRun[] = [];
  let bytes = 0;
  for (const c of connections) {
    const built = performance.now();
    const shards = buildShards(c, Math.ceil(total / SAMPLES_PER_REQUEST / c), t0);
    const all = shards.flat();
    bytes = Math.round(all.reduce((n, b) => n + b.length, 0) / all.length);
    o.log(
      `remote write: ${c} shard(s) of ${shards[0].length} requests of ${SAMPLES_PER_REQUEST} samples ` +
        `(${HOSTS} hosts x ${CORES + 5} series, ${num(bytes)} bytes snappy each) built in ${Math.round(performance.now() - built)} ms`,
    );
    const api = await ApiProcess.start(o.root, { modelDir: o.modelDir });
    o.log(`remote write: api up in ${api.startupMs} ms (pid ${api.pid}); ${c} connection(s), one shard each`);
    try {
      const tally = { samples: 0, observations: 0, bad: 0, firstBad: '' };
      const started = performance.now();
      // one single-connection client per shard, sending its requests in order as a Prometheus queue shard does
      const results = await Promise.all(
        shards.map((bodies) => {
          let next = 0;
          return autocannon({
            url: api.base,
            connections: 1,
            amount: bodies.length,
            timeout: 60,
            headers: api.headers({
              'content-type': 'application/x-protobuf',
              'content-encoding': 'snappy',
              'x-prometheus-remote-write-version': '0.1.0',
            }),
            requests: [
              {
                method: 'POST',
                path: '/api/v1/write',
                setupRequest: (req) => ({ ...req, body: bodies[next++] }),
                onResponse: (status, body) => {
                  if (status !== 200) {
                    tally.bad++;
                    tally.firstBad ||= `HTTP ${status} ${body.slice(0, 200)}`;
                    return;
                  }
                  tally.observations += (JSON.parse(body) as { samples_added: number }).samples_added;
                  tally.samples += SAMPLES_PER_REQUEST;
                },
              },
            ],
          });
        }),
      );
      const sum = (f: (r: autocannon.Result) => number) => results.reduce((n, r) => n + f(r), 0);
      const seconds = (performance.now() - started) / 1000;
      const run: RemoteWriteRun = {
        connections: c,
        seconds: +seconds.toFixed(2),
        requests: sum((r) => r['2xx'] + r.non2xx),
        samples: tally.samples,
        samples_per_second: Math.round(tally.samples / seconds),
        observations_added: tally.observations,
        non_2xx: sum((r) => r.non2xx),
        errors: sum((r) => r.errors),
        // per shard; the slowest shard's figures
        latency_p50_ms: Math.max(...results.map((r) => r.latency.p50)),
        latency_p99_ms: Math.max(...results.map((r) => r.latency.p99)),
        api_rss_mb: api.rssMb(),
      };
      runs.push(run);
      o.log(
        `remote write: ${c} connection(s): ${num(run.samples_per_second)} samples/s stored (${run.requests} requests, ` +
          `p50 ${run.latency_p50_ms} ms, p99 ${run.latency_p99_ms} ms; ${num(run.observations_added)} observations into windows, ` +
          `non-2xx ${run.non_2xx}, errors ${run.errors})${tally.firstBad ? `; first failure: ${tally.firstBad}` : ''}`,
      );
    } finally {
      await api.stop();
    }
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
