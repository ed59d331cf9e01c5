import { parseArgs } from 'node:util';
import { DurationError, parseDuration } from '@tft/contracts';

export const USAGE = `usage:
  npm run train -- --fine-tune (--from <api URL> | --from-prometheus <URL>) [options]

  --from <api URL>          the api's archive (GET /export); the key from TFT_API_KEY (else API_KEY, else
                            the first of API_KEYS) goes as X-API-Key
  --from-prometheus <URL>   node_exporter series through Prometheus' query_range, mapped as the api's
                            remote-write receiver maps them
  --base <dir>              the model to fine-tune (default: the newest under models/tft)
  --out <dir>               where the new version goes (default: models/tft/<next patch version>)
  --budget 10m              training time (30s, 10m, 1h)
  --holdout 20%             the most recent part of the history, held out for the backtest: a share
                            (20%, 0.2) or a duration (3d)
  --since <time|duration>   history from (ISO 8601, or a duration before --until); default: the whole
                            archive (--from), 14d (--from-prometheus)
  --until <time>            history until (ISO 8601; default now)
  --servers a,b             --from: only these servers (the export's servers parameter)
  --mountpoint /            --from-prometheus: the filesystem behind disk_percent (REMOTE_WRITE_MOUNTPOINT)
  --server-label instance   --from-prometheus: the label naming the server (REMOTE_WRITE_SERVER_LABEL)
  --stride 12               backtest origins every N steps
  --work <dir>              the run's files (default training/runs/fine-tune; emptied first)
  Prometheus credentials: user:password in the URL (basic) or TFT_PROMETHEUS_TOKEN (bearer).`;

export class UsageError extends Error {}

export type HistorySource = { kind: 'api'; url: string } | { kind: 'prometheus'; url: string };

/** The held-out part: a share of the history's span, or a fixed length. */
export type Holdout = { share: number } | { seconds: number };

export interface FineTuneArgs {
  source: HistorySource;
  base?: string;
  out?: string;
  budgetSeconds: number;
  holdout: Holdout;
  /** Epoch seconds, or a duration before `until`. */
  since?: { at: number } | { before: number };
  until?: number;
  servers?: string[];
  mountpoint: string;
  serverLabel: string;
  stride: number;
  work?: string;
}

const DEFAULT_HOLDOUT: Holdout = { share: 0.2 };

function duration(flag: string, raw: string): number {
  try {
    const s = parseDuration(raw);
    if (s <= 0) throw new DurationError(`${raw} is not a positive duration`);
    return s;
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
}

/** ISO 8601 with a zone, or a date (midnight UTC), to epoch seconds. */
export function parseTime(flag: string, raw: string): number {
  const zoned = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([zZ]|[+-]\d\d:?\d\d)$/.test(raw);
  const ms = zoned || /^\d{4}-\d\d-\d\d$/.test(raw) ? Date.parse(raw) : NaN;
  if (!Number.isFinite(ms))
    throw new UsageError(`--${flag}: "${raw}" is not an ISO 8601 time with a zone (2026-01-05T06:00:00Z) or a date`);
  return ms / 1000;
}

/** `20%`, `0.2` (a share of the span, in (0, 1)) or `3d` (a length). */
export function parseHoldout(raw: string): Holdout {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(raw);
  const share = percent ? Number(percent[1]) / 100 : /^0?\.\d+$/.test(raw) ? Number(raw) : null;
  if (share !== null) {
    if (!(share > 0 && share < 1)) throw new UsageError(`--holdout: a share must lie between 0 and 100 %, got ${raw}`);
    return { share };
  }
  return { seconds: duration('holdout', raw) };
}

function url(flag: string, raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--${flag}: "${raw}" is not a URL (http://host:port)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--${flag}: "${raw}" is not an http(s) URL`);
  return raw.replace(/\/+$/, '');
}

/** The command's flags (after `--fine-tune`, which tools/train.mjs strips); throws UsageError naming the flag. */
export function parseFineTuneArgs(argv: readonly string[]): FineTuneArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        from: { type: 'string' },
        'from-prometheus': { type: 'string' },
        base: { type: 'string' },
        out: { type: 'string' },
        budget: { type: 'string', default: '10m' },
        holdout: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        servers: { type: 'string' },
        mountpoint: { type: 'string', default: '/' },
        'server-label': { type: 'string', default: 'instance' },
        stride: { type: 'string', default: '12' },
        work: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) return 'help';
  if ((values.from === undefined) === (values['from-prometheus'] === undefined)) {
    throw new UsageError(`give one of --from <api URL> or --from-prometheus <URL>\n${USAGE}`);
  }
  const source: HistorySource =
    values.from !== undefined
      ? { kind: 'api', url: url('from', values.from) }
      : { kind: 'prometheus', url: url('from-prometheus', values['from-prometheus'] as string) };
  if (values.servers !== undefined && source.kind !== 'api') throw new UsageError('--servers goes with --from (the api export)');
  const stride = Number(values.stride);
  if (!Number.isInteger(stride) || stride < 1) throw new UsageError(`--stride must be a positive integer, got ${values.stride}`);
  const since = values.since;
  return {
    source,
    base: values.base,
    out: values.out,
    budgetSeconds: duration('budget', values.budget as string),
    holdout: values.holdout === undefined ? DEFAULT_HOLDOUT : parseHoldout(values.holdout),
    since:
      since === undefined ? undefined : /^\d{4}-/.test(since) ? { at: parseTime('since', since) } : { before: duration('since', since) },
    until: values.until === undefined ? undefined : parseTime('until', values.until),
    servers: values.servers
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    mountpoint: values.mountpoint as string,
    serverLabel: values['server-label'] as string,
    stride,
    work: values.work,
  };
}
