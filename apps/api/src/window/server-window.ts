import type { StepSeries } from '@tft/forecasting';

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
 * sums, a sample count and a seen-seconds bitmap. The newest bucket is the open (partial) one; the
 * others are closed. A sample whose bucket fell out of the ring is too old; a second sample for the
 * same server and second is a duplicate (1 s resolution), so re-sent batches change nothing.
 */
export class ServerWindow {
  private readonly starts: Float64Array;
  private readonly sums: Float64Array;
  private readonly counts: Uint32Array;
  private readonly seen: Uint8Array;
  private readonly seenBytes: number;
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
    this.starts = new Float64Array(capacity).fill(Number.NaN);
    this.sums = new Float64Array(capacity * N);
    this.counts = new Uint32Array(capacity);
    this.seenBytes = Math.ceil(stepSeconds / 8);
    this.seen = new Uint8Array(capacity * this.seenBytes);
  }

  private slotOf(start: number): number {
    const k = Math.round(start / this.stepSeconds) % this.capacity;
    return k < 0 ? k + this.capacity : k;
  }

  /** Adds one sample (epoch seconds, four values). */
  add(time: number, values: ArrayLike<number>): AddOutcome {
    const S = this.stepSeconds;
    const start = Math.floor(time / S) * S;
    if (start <= this.newest - this.capacity * S) return 'too_old';
    if (start > this.newest) this.dropLeaving(start);
    const slot = this.slotOf(start);
    // the slot's previous bucket (if any) is a ring length older: outside the ring, not in `held`
    if (this.starts[slot] !== start) this.resetSlot(slot, start);
    const second = Math.floor(time - start);
    const byte = slot * this.seenBytes + (second >> 3);
    const bit = 1 << (second & 7);
    if (this.seen[byte] & bit) return 'duplicate';
    this.seen[byte] |= bit;
    for (let m = 0; m < N; m++) this.sums[slot * N + m] += values[m];
    if (this.counts[slot]++ === 0) this.held++;
    this.changes++;
    if (start > this.newest) {
      if (this.newest !== Number.NEGATIVE_INFINITY) this.version++; // the previous bucket just closed
      this.newest = start;
    } else if (start < this.newest) {
      this.version++; // a late sample changed a closed bucket
    }
    return 'added';
  }

  /** Before the newest bucket moves up to `start`: buckets that fall out of the ring leave `held`. */
  private dropLeaving(start: number): void {
    if (this.newest === Number.NEGATIVE_INFINITY || this.heldStale) return;
    const S = this.stepSeconds;
    const oldest = this.newest - (this.capacity - 1) * S;
    const steps = Math.min(this.capacity, Math.round((start - this.newest) / S));
    for (let k = 0; k < steps; k++) {
      const t = oldest + k * S;
      const slot = this.slotOf(t);
      if (this.starts[slot] === t && this.counts[slot] > 0) this.held--;
    }
  }

  private resetSlot(slot: number, start: number): void {
    this.starts[slot] = start;
    this.sums.fill(0, slot * N, slot * N + N);
    this.counts[slot] = 0;
    this.seen.fill(0, slot * this.seenBytes, (slot + 1) * this.seenBytes);
  }

  bucket(start: number): BucketState | null {
    const slot = this.slotOf(start);
    if (this.starts[slot] !== start) return null;
    return {
      start,
      sums: this.sums.slice(slot * N, slot * N + N),
      count: this.counts[slot],
      seen: this.seen.slice(slot * this.seenBytes, (slot + 1) * this.seenBytes),
    };
  }

  /** Restores a persisted bucket (startup). Buckets older than the ring are ignored. */
  restore(state: BucketState): void {
    const S = this.stepSeconds;
    if (state.start > this.newest) this.newest = state.start;
    if (state.start <= this.newest - this.capacity * S) return;
    const slot = this.slotOf(state.start);
    this.starts[slot] = state.start;
    this.sums.set(state.sums, slot * N);
    this.counts[slot] = state.count;
    this.seen.set(state.seen.subarray(0, this.seenBytes), slot * this.seenBytes);
    this.heldStale = true;
    this.version++;
    this.changes++;
  }

  /** Buckets holding data within the ring (closed and open). */
  bucketCount(): number {
    if (this.heldStale) {
      const oldest = this.newest - (this.capacity - 1) * this.stepSeconds;
      this.held = 0;
      for (let i = 0; i < this.capacity; i++) if (this.counts[i] > 0 && this.starts[i] >= oldest) this.held++;
      this.heldStale = false;
    }
    return this.held;
  }

  /** Closed buckets with data among the last `steps` closed steps (warmup counts these). */
  closedBucketsWithin(steps: number): number {
    let n = 0;
    const S = this.stepSeconds;
    for (let k = 1; k <= Math.min(steps, this.capacity - 1); k++) {
      const slot = this.slotOf(this.newest - k * S);
      if (this.starts[slot] === this.newest - k * S && this.counts[slot] > 0) n++;
    }
    return n;
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
      const slot = this.slotOf(t);
      if (this.starts[slot] === t && this.counts[slot] > 0) {
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
      const t = t0 + i * S;
      const slot = this.slotOf(t);
      const c = this.starts[slot] === t ? this.counts[slot] : 0;
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
