import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { ApiProcess } from '../api-process';
import type { Log } from '../log';
import { num } from '../report';
import { seededRandom, SEED } from '../rng';

/** The fleet both host-metric receivers are measured with: the same hosts, cores and scrape interval. */
export const HOSTS = 500;
export const CORES = 4;
export const SCRAPE_MS = 15_000;

/** One scrape of one host, as node_exporter and the Collector's hostmetrics receiver both see it. */
export interface HostScrape {
  /** Cumulative idle seconds per core. */
  idleSeconds: number[];
  memoryTotal: number;
  memoryAvailable: number;
  filesystemSize: number;
  filesystemAvailable: number;
  load1: number;
}

/** A host of the bench fleet: its name and its next scrape (call in order: the counters accumulate). */
export interface BenchHost {
  name: string;
  next(scrape: number): HostScrape;
}

export function benchHost(h: number): BenchHost {
  const rand = seededRandom(SEED + h);
  const busy = 0.2 + 0.6 * rand();
  const idle = Array.from({ length: CORES }, () => 1e6 * rand());
  const memoryTotal = 16 * 2 ** 30;
  const filesystemSize = 200 * 2 ** 30;
  return {
    name: `node-${String(h).padStart(4, '0')}.dc1.example.com`,
    next: (s) => {
      for (let c = 0; c < CORES; c++) idle[c] += (SCRAPE_MS / 1000) * (1 - busy) * (0.9 + 0.2 * rand());
      return {
        idleSeconds: [...idle],
        memoryTotal,
        memoryAvailable: memoryTotal * (0.3 + 0.1 * Math.sin(s / 200 + h)),
        filesystemSize,
        filesystemAvailable: filesystemSize * (0.6 - s * 1e-6),
        load1: CORES * busy * (0.8 + 0.4 * rand()) + 0.01 * (s % 7),
      };
    },
  };
}

/** The bench fleet's hosts sharded as a sender's queue shards them: a host always in the same shard. */
export function shardedHosts(shards: number): BenchHost[][] {
  const fleet = Array.from({ length: HOSTS }, (_, h) => benchHost(h));
  return Array.from({ length: shards }, (_, shard) => fleet.filter((_, h) => h % shards === shard));
}

export interface ClosedLoopRun {
  connections: number;
  seconds: number;
  requests: number;
  /** Samples (data points) in requests the api acknowledged (stored durably before the answer). */
  samples: number;
  samples_per_second: number;
  /** Of those, observations placed into the step buckets (the rest: denominators, counter baselines, other states). */
  observations_added: number;
  observations_per_second: number;
  non_2xx: number;
  errors: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  api_rss_mb: number | null;
}

/** How one receiver is driven: its path, headers, and what an answer says was stored. */
export interface Receiver {
  label: string;
  path: string;
  headers: Record<string, string>;
  samplesPerRequest: number;
}

/** Observations the api stored from a route, as its /metrics counts them. */
async function storedObservations(api: ApiProcess, route: string): Promise<number> {
  const res = await fetch(`${api.base}/metrics`, { headers: api.headers() });
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`tft_ingest_samples_total{route="${route}",outcome="stored"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/**
 * Sends each shard's bodies in order from one single-connection autocannon client (as a sender's queue
 * shard does), closed loop, on a fresh api: samples per second in acknowledged requests.
 */
export async function closedLoop(
  o: { root: string; modelDir: string; log: Log },
  receiver: Receiver,
  shards: Buffer[][],
): Promise<ClosedLoopRun> {
  const c = shards.length;
  const api = await ApiProcess.start(o.root, { modelDir: o.modelDir });
  o.log(`${receiver.label}: api up in ${api.startupMs} ms (pid ${api.pid}); ${c} connection(s), one shard each`);
  try {
    const tally = { samples: 0, firstBad: '' };
    const started = performance.now();
    const results = await Promise.all(
      shards.map((bodies) => {
        let next = 0;
        return autocannon({
          url: api.base,
          connections: 1,
          amount: bodies.length,
          timeout: 60,
          headers: api.headers(receiver.headers),
          requests: [
            {
              method: 'POST',
              path: receiver.path,
              setupRequest: (req) => ({ ...req, body: bodies[next++] }),
              onResponse: (status, body) => {
                if (status !== 200) {
                  tally.firstBad ||= `HTTP ${status} ${body.slice(0, 200)}`;
                  return;
                }
                tally.samples += receiver.samplesPerRequest;
              },
            },
          ],
        });
      }),
    );
    const sum = (f: (r: autocannon.Result) => number) => results.reduce((n, r) => n + f(r), 0);
    const seconds = (performance.now() - started) / 1000;
    const observations = await storedObservations(api, receiver.path);
    const run: ClosedLoopRun = {
      connections: c,
      seconds: +seconds.toFixed(2),
      requests: sum((r) => r['2xx'] + r.non2xx),
      samples: tally.samples,
      samples_per_second: Math.round(tally.samples / seconds),
      observations_added: observations,
      observations_per_second: Math.round(observations / seconds),
      non_2xx: sum((r) => r.non2xx),
      errors: sum((r) => r.errors),
      // per shard; the slowest shard's figures
      latency_p50_ms: Math.max(...results.map((r) => r.latency.p50)),
      latency_p99_ms: Math.max(...results.map((r) => r.latency.p99)),
      api_rss_mb: api.rssMb(),
    };
    o.log(
      `${receiver.label}: ${c} connection(s): ${num(run.samples_per_second)} samples/s stored (${run.requests} requests, ` +
        `p50 ${run.latency_p50_ms} ms, p99 ${run.latency_p99_ms} ms; ${num(run.observations_per_second)} observations/s into windows, ` +
        `non-2xx ${run.non_2xx}, errors ${run.errors})${tally.firstBad ? `; first failure: ${tally.firstBad}` : ''}`,
    );
    return run;
  } finally {
    await api.stop();
  }
}
