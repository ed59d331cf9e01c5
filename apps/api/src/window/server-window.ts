import type { StepSeries } from '@tft/forecasting';
import { SeenSeconds } from './seen-seconds';

const N = 4;

export type AddOutcome = 'added' | 'duplicate' | 'too_old';

/** The durable state of one bucket: what the store persists and restores. */
export interface BucketState {
  start: number;
  sums: Float64Array;
  /** Samples that went into the bucket (saturates at 65,535). */
  count: number;
  /** Values summed per metric: a partial sample (remote write) adds to its metrics only. */
  metricCounts: Uint32Array;
  /** One bit per second of the step: which seconds already delivered a full sample (duplicate detection). */
  seen: Uint8Array;
}

/** Most samples a bucket counts; per-metric counts keep the means exact beyond it. */
const MAX_SAMPLE_COUNT = 0xffff;

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
  /** Samples per bucket, full or partial (saturating): non-zero = the bucket holds data. */
  private readonly counts: Uint16Array;
  /**
   * Values summed per bucket and metric: the divisor of each mean, 0 = the metric is missing (masked).
   * Allocated with the first partial sample; until then every metric was counted once per sample.
   */
  private metricCounts: Uint32Array | null = null;
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

  private countOf(slot: number, metric: number): number {
    return this.metricCounts ? this.metricCounts[slot * N + metric] : this.counts[slot];
  }

  /** Per-metric counts for the whole ring, from the sample counts (every metric counted once per sample so far). */
  private perMetricCounts(): Uint32Array {
    const counts = new Uint32Array(this.capacity * N);
    for (let slot = 0; slot < this.capacity; slot++) counts.fill(this.counts[slot], slot * N, slot * N + N);
    return counts;
  }

  private slotOf(start: number): number {
    const k = Math.round(start / this.stepSeconds) % this.capacity;
    return k < 0 ? k + this.capacity : k;
  }

  /** Whether `start` is a step of the ring's range (the newest bucket and the capacity - 1 before it). */
  private inRing(start: number): boolean {
    return start <= this.newest && start > this.newest - this.capacity * this.stepSeconds;
  }

  /**
   * Adds one sample (epoch seconds, four values). Without `weights` it is a full sample, deduplicated
   * by its second. With them it is a partial one (remote write: metrics arrive in separate series,
   * each deduplicated by its sender's timestamps before it gets here): `values[m]` is the mean of
   * `weights[m]` observations of metric m, and a metric with weight 0 stays missing in the bucket.
   */
  add(time: number, values: ArrayLike<number>, weights?: ArrayLike<number>): AddOutcome {
    const S = this.stepSeconds;
    const start = Math.floor(time / S) * S;
    if (start <= this.newest - this.capacity * S) return 'too_old';
    const previous = this.newest;
    if (start > previous) this.advance(start);
    const slot = this.slotOf(start);
    if (!weights && !this.seen.mark(slot, Math.floor(time - start))) return 'duplicate';
    const counts = weights ? (this.metricCounts ??= this.perMetricCounts()) : this.metricCounts;
    for (let m = 0; m < N; m++) {
      const w = weights ? weights[m] : 1;
      if (w === 0) continue;
      this.sums[slot * N + m] += values[m] * w;
      if (counts) counts[slot * N + m] += w;
    }
    if (this.counts[slot] === 0) this.held++;
    if (this.counts[slot] < MAX_SAMPLE_COUNT) this.counts[slot]++;
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
        this.metricCounts?.fill(0, slot * N, slot * N + N);
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
      metricCounts: this.metricCounts?.slice(slot * N, slot * N + N) ?? new Uint32Array(N).fill(this.counts[slot]),
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
    if (this.metricCounts || state.metricCounts.some((c) => c !== state.count)) {
      (this.metricCounts ??= this.perMetricCounts()).set(state.metricCounts, slot * N);
    }
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

  /**
   * Per metric, the mean of the newest bucket that holds it (the open step so far, for a server that
   * sends full samples), NaN for a metric the ring never received; null when the window is empty.
   * Remote-write metrics arrive at their own times, so the open step may lack one another already has.
   */
  latestMeans(): Float64Array | null {
    if (this.newest === Number.NEGATIVE_INFINITY) return null;
    const out = new Float64Array(N).fill(Number.NaN);
    let missing = N;
    for (let k = 0; k < this.capacity && missing > 0; k++) {
      const slot = this.slotOf(this.newest - k * this.stepSeconds);
      if (this.counts[slot] === 0) continue;
      for (let m = 0; m < N; m++) {
        const c = this.countOf(slot, m);
        if (c === 0 || !Number.isNaN(out[m])) continue;
        out[m] = Math.fround(this.sums[slot * N + m] / c);
        missing--;
      }
    }
    return missing === N ? null : out;
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
      samples[i] = this.counts[slot];
      for (let m = 0; m < N; m++) {
        const c = this.countOf(slot, m);
        if (c === 0) continue;
        values[i * N + m] = this.sums[slot * N + m] / c;
        mask[i * N + m] = 1;
      }
    }
    return { t0, stepSeconds: S, length, values, mask, samples };
  }
}
