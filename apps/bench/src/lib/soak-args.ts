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
  help: boolean;
}

export const SOAK_USAGE = `usage: npm run soak -- [--duration 5m] [--measure 10s] [--load 0.5] [--batch 1000] [--servers 200]
                       [--writers 4] [--readers 4] [--read-pause 100ms] [--report-every 10s] [--help]

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
      servers: { type: 'string', default: '200' },
      writers: { type: 'string', default: '4' },
      readers: { type: 'string', default: '4' },
      'read-pause': { type: 'string', default: '100ms' },
      'report-every': { type: 'string', default: '10s' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    SOAK_USAGE,
  );
  if (values.help) return { ...parseSoakArgs([]), help: true };
  return {
    durationS: parseDuration(values.duration, '--duration'),
    measureS: parseDuration(values.measure, '--measure'),
    load: positive(values.load, '--load', { integer: false, max: 1 }),
    batch: positive(values.batch, '--batch', { max: 20000 }),
    servers: positive(values.servers, '--servers', { max: 100000 }),
    writers: positive(values.writers, '--writers', { max: 256 }),
    readers: positive(values.readers, '--readers', { max: 256 }),
    readPauseMs: parseDuration(values['read-pause'], '--read-pause') * 1000,
    reportS: parseDuration(values['report-every'], '--report-every'),
    help: values.help,
  };
}
