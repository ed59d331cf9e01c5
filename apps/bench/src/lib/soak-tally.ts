import { percentile } from './stats';

/** What one request came to, as the soaks count it. */
export type Outcome = { ok: true; ms: number; records: number; bytes: number } | { ok: false; error: string };

/** Requests that ended, their latencies and what they carried. */
export class Tally {
  latencies: number[] = [];
  ok = 0;
  errors = 0;
  records = 0;
  bytes = 0;

  add(o: Outcome): void {
    if (!o.ok) {
      this.errors++;
      return;
    }
    this.ok++;
    this.latencies.push(o.ms);
    this.records += o.records;
    this.bytes += o.bytes;
  }

  summary() {
    const pct = (p: number) => percentile(this.latencies, p);
    const max = this.latencies.reduce((a, b) => Math.max(a, b), -Infinity);
    return {
      n: this.ok,
      errors: this.errors,
      records: this.records,
      p50: pct(50),
      p99: pct(99),
      max: Number.isFinite(max) ? max : NaN,
    };
  }
}

export const fixed = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
export const errorCode = (err: unknown) => {
  const e = err as {
    cause?: { code?: string };
    name?: string;
    message?: string;
  };
  return e.cause?.code ?? e.name ?? e.message ?? String(err);
};
