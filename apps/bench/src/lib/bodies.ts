import { isoSeconds } from '@tft/forecasting';
import { inGap, sampleAt, type ServerShape } from './fleet';
import { seededRandom, type Random } from './rng';

const r2 = (x: number) => Math.round(x * 100) / 100;

/** One record of the ingest contract as JSON text (built by hand: the bench must not be the bottleneck). */
export function recordJson(s: ServerShape, t: number, v: readonly number[]): string {
  return (
    `{"timestamp":"${isoSeconds(t)}","server_name":"${s.name}","cpu_percent":${r2(v[0])},"memory_percent":${r2(v[1])},` +
    `"disk_percent":${r2(v[2])},"load_average":${r2(v[3])},"status":"healthy","profile":"${s.profile}"}`
  );
}

/**
 * An endless stream of `POST /feed/data` bodies for live-style ingest: record k is server k mod N at
 * sample slot k div N of a `sampleSeconds` clock from `t0`, so no (server, second) ever repeats and
 * every record must be stored (`records_added` equals the batch size).
 */
export class IngestStream {
  private k = 0;
  private readonly rand: Random;

  constructor(
    private readonly servers: readonly ServerShape[],
    private readonly t0: number,
    private readonly batch = 1000,
    private readonly sampleSeconds = 5,
    seed = 1,
  ) {
    if (servers.length === 0) throw new RangeError('IngestStream needs at least one server');
    this.rand = seededRandom(seed);
  }

  /** Records emitted so far. */
  get emitted(): number {
    return this.k;
  }

  next(): string {
    const parts: string[] = new Array(this.batch);
    const n = this.servers.length;
    for (let i = 0; i < this.batch; i++, this.k++) {
      const s = this.servers[this.k % n];
      const t = this.t0 + Math.floor(this.k / n) * this.sampleSeconds;
      parts[i] = recordJson(s, t, sampleAt(s, t, this.rand));
    }
    return `{"records":[${parts.join(',')}]}`;
  }
}

export interface FillPlan {
  /** Start of the newest (open) step every server ends on. */
  lastStep: number;
  /** Steps per server, the last one included. */
  steps: number;
  stepSeconds: number;
  /** Records per request. */
  batch: number;
  seed: number;
}

/**
 * Bodies that back-fill `steps` steps per server (one sample per step, server after server, so each
 * server's window completes in one or two requests and is forecast once). Gap steps are skipped but the
 * newest step always has its sample.
 */
export function* fillBodies(servers: readonly ServerShape[], plan: FillPlan): Generator<{ body: string; count: number }> {
  const rand = seededRandom(plan.seed);
  const { stepSeconds, lastStep, steps } = plan;
  let parts: string[] = [];
  for (const s of servers) {
    for (let i = steps - 1; i >= 0; i--) {
      const start = lastStep - i * stepSeconds;
      if (i > 0 && inGap(s, start / stepSeconds)) continue;
      const t = start + 17; // any second inside the step
      parts.push(recordJson(s, t, sampleAt(s, t, rand)));
      if (parts.length === plan.batch) {
        yield { body: `{"records":[${parts.join(',')}]}`, count: parts.length };
        parts = [];
      }
    }
  }
  if (parts.length) yield { body: `{"records":[${parts.join(',')}]}`, count: parts.length };
}
