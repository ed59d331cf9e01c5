import type { StepSeries } from '@tft/forecasting';
import { SeenSeconds } from './seen-seconds';

const N = 4;

export type AddOutcome = 'added' | 'duplicate' | 'too_old';

/** The durable state of one bucket: what the store persists and restores. */
export interface BucketState {
  start: number;
  sums: Float64Array;
  count: number;
  /** One bit per second of the step: which seconds already delivered a sample (duplicate detection). */
  seen: Uint8Array;
}

/**
 * One server's recent history on the model's step grid: a ring of `capacity` buckets holding metric
 * sums, a sample count and the seconds that delivered them. The newest bucket is the open (partial)
 * one; the others are closed. Slot k holds the bucket of the ring's range whose step index is k modulo
 * the capacity, and a slot is emptied when the range moves past its bucket, so the ring keeps no start
 * times. A sample whose bucket fell out of the ring is too old; a second sample for the same server
 * and second is a duplicate (1 s resolution), so re-sent batches change nothing.
 */
export class ServerWindow {
  private readonly sums: Float64Array;
  /** Samples per bucket; at most one per second of the step, and SeenSeconds keeps steps under 65,535 s. */
  private readonly counts: Uint16Array;
  private readonly seen: SeenSeconds;
  /** Start of the newest bucket, or -Infinity when empty. */
  newest = Number.NEGATIVE_INFINITY;
  /** Bumped on every change to a closed bucket or when a bucket closes: TFT forecasts are stale. */
  version = 0;
  /** Bumped on every added sample: heuristic forecasts (which see the open bucket) are stale. */
  changes = 0;
  /** Buckets with data inside the ring, kept as samples arrive (ingest asks for it on every request). */
  private held = 0;
  /** Set by restore(): the count is rebuilt on the next read instead of per restored bucket. */
  private heldStale = false;

  constructor(
    readonly stepSeconds: number,
    readonly capacity: number,
  ) {
    this.sums = new Float64Array(capacity * N);
    this.counts = new Uint16Array(capacity);
    this.seen = new SeenSeconds(stepSeconds, capacity);
  }

  private slotOf(start: number): number {
    const k = Math.round(start / this.stepSeconds) % this.capacity;
    return k < 0 ? k + this.capacity : k;
  }

  /** Whether `start` is a step of the ring's range (the newest bucket and the capacity - 1 before it). */
  private inRing(start: number): boolean {
    return start <= this.newest && start > this.newest - this.capacity * this.stepSeconds;
  }

  /** Adds one sample (epoch seconds, four values). */
  add(time: number, values: ArrayLike<number>): AddOutcome {
    const S = this.stepSeconds;
    const start = Math.floor(time / S) * S;
    if (start <= this.newest - this.capacity * S) return 'too_old';
    const previous = this.newest;
    if (start > previous) this.advance(start);
    const slot = this.slotOf(start);
    if (!this.seen.mark(slot, Math.floor(time - start))) return 'duplicate';
    for (let m = 0; m < N; m++) this.sums[slot * N + m] += values[m];
    if (this.counts[slot]++ === 0) this.held++;
    this.changes++;
    if (start > previous) {
      if (previous !== Number.NEGATIVE_INFINITY) this.version++; // the previous bucket just closed
    } else if (start < previous) {
      this.version++; // a late sample changed a closed bucket
    }
    return 'added';
  }

  /**
   * Moves the newest bucket up to `start`: the slots the range takes over held buckets a ring length
   * older (or nothing); they are emptied and leave `held`.
   */
  private advance(start: number): void {
    if (this.newest !== Number.NEGATIVE_INFINITY) {
      const S = this.stepSeconds;
      const steps = Math.min(this.capacity, Math.round((start - this.newest) / S));
      for (let k = 1; k <= steps; k++) {
        const slot = this.slotOf(this.newest + k * S);
        if (this.counts[slot] === 0) continue;
        if (!this.heldStale) this.held--;
        this.sums.fill(0, slot * N, slot * N + N);
        this.counts[slot] = 0;
        this.seen.clear(slot);
      }
    }
    this.newest = start;
  }

  bucket(start: number): BucketState | null {
    if (!this.inRing(start) || start % this.stepSeconds !== 0) return null;
    const slot = this.slotOf(start);
    return {
      start,
      sums: this.sums.slice(slot * N, slot * N + N),
      count: this.counts[slot],
      seen: this.seen.bitmap(slot),
    };
  }

  /** Restores a persisted bucket (startup). Buckets older than the ring are ignored. */
  restore(state: BucketState): void {
    this.heldStale = true;
    if (state.start > this.newest) this.advance(state.start);
    if (!this.inRing(state.start)) return;
    const slot = this.slotOf(state.start);
    this.sums.set(state.sums, slot * N);
    this.counts[slot] = state.count;
    this.seen.restore(slot, state.seen);
    this.version++;
    this.changes++;
  }

  /** Buckets holding data within the ring (closed and open). */
  bucketCount(): number {
    if (this.heldStale) {
      this.held = 0;
      for (let i = 0; i < this.capacity; i++) if (this.counts[i] > 0) this.held++;
      this.heldStale = false;
    }
    return this.held;
  }

  /** Closed buckets with data among the last `steps` closed steps (warmup counts these). */
  closedBucketsWithin(steps: number): number {
    let n = 0;
    for (let k = 1; k <= Math.min(steps, this.capacity - 1); k++) {
      if (this.counts[this.slotOf(this.newest - k * this.stepSeconds)] > 0) n++;
    }
    return n;
  }

  /** Time of the newest sample held (epoch s): the newest bucket's start plus its latest second seen. */
  newestSampleTime(): number {
    if (this.newest === Number.NEGATIVE_INFINITY) return this.newest;
    const bits = this.seen.bitmap(this.slotOf(this.newest));
    for (let byte = bits.length - 1; byte >= 0; byte--) {
      if (bits[byte] !== 0) return this.newest + byte * 8 + (31 - Math.clz32(bits[byte]));
    }
    return this.newest;
  }

  /** The newest bucket's mean per metric (the open step so far); null when the window is empty. */
  newestMeans(): Float64Array | null {
    if (this.newest === Number.NEGATIVE_INFINITY) return null;
    const slot = this.slotOf(this.newest);
    const c = this.counts[slot];
    if (c === 0) return null;
    const out = new Float64Array(N);
    for (let m = 0; m < N; m++) out[m] = Math.fround(this.sums[slot * N + m] / c);
    return out;
  }

  /**
   * The closed history as a step series (means, masked gaps), trimmed to start at the first bucket
   * with data and to end at the last closed one; `null` when nothing is closed yet. `includeOpen`
   * appends the open bucket too (history display).
   */
  series(includeOpen = false): StepSeries | null {
    const S = this.stepSeconds;
    if (this.newest === Number.NEGATIVE_INFINITY) return null;
    const last = includeOpen ? this.newest : this.newest - S;
    const first = this.newest - (this.capacity - 1) * S;
    let lo = -1;
    let hi = -1;
    for (let t = first, i = 0; t <= last; t += S, i++) {
      if (this.counts[this.slotOf(t)] > 0) {
        if (lo < 0) lo = i;
        hi = i;
      }
    }
    if (lo < 0) return null;
    const length = hi - lo + 1;
    const t0 = first + lo * S;
    const values = new Float32Array(length * N);
    const mask = new Float32Array(length * N);
    const samples = new Uint32Array(length);
    for (let i = 0; i < length; i++) {
      const slot = this.slotOf(t0 + i * S);
      const c = this.counts[slot];
      samples[i] = c;
      if (c === 0) continue;
      for (let m = 0; m < N; m++) {
        values[i * N + m] = this.sums[slot * N + m] / c;
        mask[i * N + m] = 1;
      }
    }
    return { t0, stepSeconds: S, length, values, mask, samples };
  }
}
