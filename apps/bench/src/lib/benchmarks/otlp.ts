import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { encodeMetricsProtobuf, Temporality } from '@tft/otlp';
import type { Log } from '../log';
import { num } from '../report';
import { closedLoop, CORES, HOSTS, SCRAPE_MS, shardedHosts, type BenchHost, type ClosedLoopRun, type Receiver } from './host-fleet';
import { benchStart, REMOTE_WRITE, remoteWriteShards } from './remote-write';

/** The most data points per request, as a batch processor's send_batch_max_size cuts them: remote write's 2,000. */
export const MAX_POINTS_PER_REQUEST = 2000;

/** Points per host and scrape: idle time per core, 6 memory states, 3 filesystem states, the 1-minute load. */
const POINTS_PER_HOST = CORES + 6 + 3 + 1;
const HOSTS_PER_REQUEST = Math.floor(MAX_POINTS_PER_REQUEST / POINTS_PER_HOST);

export interface OtlpResult {
  hosts: number;
  points_per_request: number;
  bytes_per_request: number;
  /** OTLP and remote write, run after run on fresh apis, alternating at each connection count. */
  runs: { otlp: ClosedLoopRun; remote_write: ClosedLoopRun }[];
  /** OTLP's observations per second over remote write's, at the connection count where OTLP did best. */
  observations_ratio: number;
  best_connections: number;
}

const attributes = (attrs: Record<string, string>) => Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } }));

/**
 * What the Collector's hostmetrics receiver sends for a host per scrape, configured as
 * docs/OPENTELEMETRY.md says (cpu time filtered to the idle state, the root filesystem only): cumulative
 * cpu time per core, memory usage by its six Linux states, filesystem usage by state, the 1-minute load.
 */
function hostResource(host: BenchHost, scrape: number, t: number) {
  const s = host.next(scrape);
  const time = { timeUnixNano: String(BigInt(t) * 1_000_000n), startTimeUnixNano: '1700000000000000000' };
  const point = (value: number, attrs: Record<string, string> = {}) => ({ ...time, asDouble: value, attributes: attributes(attrs) });
  const used = s.memoryTotal - s.memoryAvailable;
  const memory: Record<string, number> = {
    used,
    free: s.memoryAvailable * 0.4,
    cached: s.memoryAvailable * 0.45,
    buffered: s.memoryAvailable * 0.05,
    slab_reclaimable: s.memoryAvailable * 0.07,
    slab_unreclaimable: s.memoryAvailable * 0.03,
  };
  const fs = { device: '/dev/sda1', mountpoint: '/', type: 'ext4', mode: 'rw' };
  const filesystem: Record<string, number> = {
    used: s.filesystemSize - s.filesystemAvailable - 0.05 * s.filesystemSize,
    free: s.filesystemAvailable,
    reserved: 0.05 * s.filesystemSize,
  };
  const sum = (points: unknown[]) => ({ dataPoints: points, aggregationTemporality: Temporality.CUMULATIVE });
  return {
    resource: { attributes: attributes({ 'host.name': host.name, 'os.type': 'linux' }) },
    scopeMetrics: [
      {
        scope: { name: 'otelcol/hostmetricsreceiver/cpu', version: '0.115.0' },
        metrics: [
          {
            name: 'system.cpu.time',
            unit: 's',
            sum: { ...sum(s.idleSeconds.map((v, c) => point(v, { cpu: `cpu${c}`, state: 'idle' }))), isMonotonic: true },
          },
        ],
      },
      {
        scope: { name: 'otelcol/hostmetricsreceiver/memory', version: '0.115.0' },
        metrics: [{ name: 'system.memory.usage', unit: 'By', sum: sum(Object.entries(memory).map(([state, v]) => point(v, { state }))) }],
      },
      {
        scope: { name: 'otelcol/hostmetricsreceiver/filesystem', version: '0.115.0' },
        metrics: [
          {
            name: 'system.filesystem.usage',
            unit: 'By',
            sum: sum(Object.entries(filesystem).map(([state, v]) => point(v, { ...fs, state }))),
          },
        ],
      },
      {
        scope: { name: 'otelcol/hostmetricsreceiver/load', version: '0.115.0' },
        metrics: [{ name: 'system.cpu.load_average.1m', unit: '{thread}', gauge: { dataPoints: [point(s.load1)] } }],
      },
    ],
  };
}

/**
 * Request bodies as a Collector's otlphttp exporter sends them (protobuf, gzip, its default), one list
 * per shard: every 15-second scrape of the same 500 hosts as remote write's bench, whole hosts per
 * request up to 2,000 points, a host always in the same shard, built before the run.
 */
export function buildOtlpShards(shards: number, requestsPerShard: number, t0: number): Buffer[][] {
  return shardedHosts(shards).map((hosts) => {
    const bodies: Buffer[] = [];
    let pending: ReturnType<typeof hostResource>[] = [];
    for (let scrape = 0; bodies.length < requestsPerShard; scrape++) {
      const t = t0 + scrape * SCRAPE_MS;
      for (const host of hosts) {
        pending.push(hostResource(host, scrape, t));
        if (pending.length === HOSTS_PER_REQUEST) {
          bodies.push(gzipSync(encodeMetricsProtobuf({ resourceMetrics: pending })));
          pending = [];
          if (bodies.length === requestsPerShard) break;
        }
      }
    }
    return bodies;
  });
}

const OTLP: Receiver = {
  label: 'otlp',
  path: '/v1/metrics',
  headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
  samplesPerRequest: HOSTS_PER_REQUEST * POINTS_PER_HOST,
};

/**
 * POST /v1/metrics beside POST /api/v1/write: the same fleet and about the same samples per request,
 * each at each connection count on a fresh api, alternating so that both see the same machine.
 * Observations per second (what reaches the windows) is the figure that compares: an OTLP host sends
 * more points than remote write's relabelled series for the same four metrics.
 */
export async function benchOtlp(o: { root: string; modelDir: string; quick: boolean; log: Log }): Promise<OtlpResult> {
  const connections = o.quick ? [4] : [1, 4, 8];
  const total = o.quick ? 500_000 : 2_000_000;
  const t0 = benchStart();
  const runs: OtlpResult['runs'] = [];
  let bytes = 0;
  for (const c of connections) {
    const built = performance.now();
    const shards = buildOtlpShards(c, Math.ceil(total / OTLP.samplesPerRequest / c), t0);
    const all = shards.flat();
    bytes = Math.round(all.reduce((n, b) => n + b.length, 0) / all.length);
    o.log(
      `otlp: ${c} shard(s) of ${shards[0].length} requests of ${OTLP.samplesPerRequest} points (${HOSTS} hosts x ${POINTS_PER_HOST} points, ` +
        `${num(bytes)} bytes gzip each) built in ${Math.round(performance.now() - built)} ms`,
    );
    const remoteWrite = await closedLoop(o, REMOTE_WRITE, remoteWriteShards(c, total, t0, o.log).shards);
    const otlp = await closedLoop(o, OTLP, shards);
    runs.push({ otlp, remote_write: remoteWrite });
    o.log(
      `otlp: ${c} connection(s): ${(otlp.observations_per_second / remoteWrite.observations_per_second).toFixed(2)}x remote write's observations/s`,
    );
  }
  const best = runs.reduce((a, b) => (b.otlp.observations_per_second > a.otlp.observations_per_second ? b : a));
  return {
    hosts: HOSTS,
    points_per_request: OTLP.samplesPerRequest,
    bytes_per_request: bytes,
    runs,
    observations_ratio: +(best.otlp.observations_per_second / best.remote_write.observations_per_second).toFixed(2),
    best_connections: best.otlp.connections,
  };
}
