import { parseOptions, UsageError } from './args';

export interface SoakArgs {
  durationS: number;
  measureS: number;
  /** Fraction of the measured maximum to sustain. */
  load: number;
  batch: number;
  servers: number;
  writers: number;
  readers: number;
  readPauseMs: number;
  reportS: number;
  /** Cluster mode's faults; null for a single api. */
  cluster: ClusterSoakArgs | null;
  help: boolean;
}

export interface ClusterSoakArgs {
  replicas: number;
  /** A replica is killed (kill -9) and restarted this often, the replicas in turn. */
  killEveryS: number;
  /** When nats-server is restarted (once), seconds into the sustained run. */
  natsRestartAtS: number;
  /** A folder that receives each replica's whole output (<replica>.log, appended across restarts); null: none. */
  replicaLogs: string | null;
}

export const SOAK_USAGE = `usage: npm run soak -- [--duration 5m] [--measure 10s] [--load 0.5] [--batch 1000] [--servers 200]
                       [--writers 4] [--readers 4] [--read-pause 100ms] [--report-every 10s] [--help]
       npm run soak -- --cluster [--replicas 3] [--kill-every 5m] [--nats-restart-at <duration>] [--replica-logs <dir>]
                       [the options above]

A sustained-load run against the inference api (npm run soak is npm run bench -- soak):
1. starts the built api (dist/apps/api/main.js, built by npm run soak) on a free port with a temporary
   DATA_DIR, its own API key and no write rate limit; its other settings come from the environment.
   With API_URL (and API_KEY) set, it uses that api instead.
2. measures the maximum ingest rate for --measure: a closed loop of --writers concurrent POST /feed/data
   of --batch records each, over --servers servers (no record repeats a server and second);
3. drives ingest at --load (a fraction) of that rate, open loop (a request is sent when it is due,
   whether or not earlier ones have answered), plus --readers concurrent readers alternating
   GET /predictions/current and GET /status, --read-pause apart, for --duration.

Prints a line every --report-every (throughput, errors, p50/p99 latency of writes and reads, api RSS
from /proc/<pid>/status) and a summary. Exits 1 on any error (non-2xx, network error, a batch not
stored in full) or when the api it started does not stop cleanly on SIGTERM, 2 on a bad option.

--cluster: the same on --replicas api replicas sharing Debian's nats-server (loopback, temporary store),
with faults: every --kill-every one replica is killed (kill -9) and started again, and nats-server is
restarted once at --nats-restart-at (default 60 % of --duration). Writes go round-robin over the live
replicas and are retried on another one until acknowledged, as a load balancer would; their latency
is from the first attempt to the acknowledgement. Five hot servers keep a critical alert firing,
delivered to a webhook receiver of the soak's own. At the end it checks that every acknowledged record
is stored once (read back through the replicas) and that no alert was paged twice (a firing
notification for an alert already firing). --servers defaults to 2,000 there, so the run stays within
the window each server keeps. --replica-logs <dir> keeps each replica's output in <dir>/<replica>.log
(appended across its restarts) for finding out why an alert was paged twice. The issue's run:
npm run soak -- --cluster --duration 20m.

Durations: 300 (seconds), 90s, 5m, 1h, 100ms.`;

/** Seconds in a duration such as 90s, 5m, 1h, 100ms or 300 (seconds). */
export function parseDuration(text: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${name} must be a duration such as 90s, 5m or 300 (got "${text}")`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}

function positive(text: string, name: string, { integer = true, max = 1e9 } = {}): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || v > max || (integer && !Number.isInteger(v))) {
    throw new UsageError(`${name} must be a positive ${integer ? 'integer' : 'number'}${max < 1e9 ? ` up to ${max}` : ''} (got "${text}")`);
  }
  return v;
}

/** Parses the soak's command line; throws `UsageError` with a one-line reason on anything it does not know. */
export function parseSoakArgs(argv: readonly string[]): SoakArgs {
  const values = parseOptions(
    argv,
    {
      duration: { type: 'string', default: '5m' },
      measure: { type: 'string', default: '10s' },
      load: { type: 'string', default: '0.5' },
      batch: { type: 'string', default: '1000' },
      servers: { type: 'string' },
      writers: { type: 'string', default: '4' },
      readers: { type: 'string', default: '4' },
      'read-pause': { type: 'string', default: '100ms' },
      'report-every': { type: 'string', default: '10s' },
      cluster: { type: 'boolean', default: false },
      replicas: { type: 'string', default: '3' },
      'kill-every': { type: 'string', default: '5m' },
      'nats-restart-at': { type: 'string' },
      'replica-logs': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    SOAK_USAGE,
  );
  if (values.help) return { ...parseSoakArgs([]), help: true };
  const durationS = parseDuration(values.duration, '--duration');
  const clusterOnly = (['replicas', 'kill-every', 'nats-restart-at', 'replica-logs'] as const).filter(
    (k) => !values.cluster && argv.some((a) => a === `--${k}` || a.startsWith(`--${k}=`)),
  );
  if (clusterOnly.length) throw new UsageError(`--${clusterOnly[0]} is an option of --cluster\n\n${SOAK_USAGE}`);
  return {
    durationS,
    measureS: parseDuration(values.measure, '--measure'),
    load: positive(values.load, '--load', { integer: false, max: 1 }),
    batch: positive(values.batch, '--batch', { max: 20000 }),
    servers: positive(values.servers ?? (values.cluster ? '2000' : '200'), '--servers', { max: 100000 }),
    writers: positive(values.writers, '--writers', { max: 256 }),
    readers: positive(values.readers, '--readers', { max: 256 }),
    readPauseMs: parseDuration(values['read-pause'], '--read-pause') * 1000,
    reportS: parseDuration(values['report-every'], '--report-every'),
    cluster: values.cluster
      ? {
          replicas: positive(values.replicas, '--replicas', { max: 9 }),
          killEveryS: parseDuration(values['kill-every'], '--kill-every'),
          natsRestartAtS:
            values['nats-restart-at'] === undefined ? durationS * 0.6 : parseDuration(values['nats-restart-at'], '--nats-restart-at'),
          replicaLogs: values['replica-logs'] ?? null,
        }
      : null,
    help: values.help,
  };
}
