import type { StepSeries } from './step-grid';

export const N_TIME_FEATURES = 5;
const N_METRICS = 4;
const DAY = 86400;

/** One forecast request: a server's grid history (the origin is its last bucket) and its profile. */
export interface EncoderInput {
  series: StepSeries;
  profileIndex: number;
}

export interface ModelShape {
  /** Encoder length the graph takes (the model's max_encoder_length). */
  L: number;
  /** Horizon in steps. */
  H: number;
  stepSeconds: number;
}

/** The model's input tensors for a batch, flat and row-major, plus each row's origin (epoch s). */
export interface ModelInputs {
  batch: number;
  pastValues: Float32Array;
  pastMask: Float32Array;
  encoderLength: BigInt64Array;
  pastTime: Float32Array;
  futureTime: Float32Array;
  profile: BigInt64Array;
  origins: Float64Array;
}

/**
 * Known time features of a step starting at `t`, as the trainer computes them (float64, stored float32):
 * [sin 2pi tod, cos 2pi tod, sin 2pi dow/7, cos 2pi dow/7, rel], tod = (t mod 86400)/86400,
 * dow = (floor(t/86400) + 3) mod 7 with 0 = Monday.
 */
export function writeTimeFeatures(out: Float32Array, offset: number, t: number, rel: number): void {
  const tod = (((t % DAY) + DAY) % DAY) / DAY;
  const dow = (((Math.floor(t / DAY) + 3) % 7) + 7) % 7;
  out[offset] = Math.sin(2 * Math.PI * tod);
  out[offset + 1] = Math.cos(2 * Math.PI * tod);
  out[offset + 2] = Math.sin((2 * Math.PI * dow) / 7);
  out[offset + 3] = Math.cos((2 * Math.PI * dow) / 7);
  out[offset + 4] = rel;
}

/** The encoder's and decoder's time features for one origin: the same for every server forecast from it. */
interface OriginTimeFeatures {
  past: Float32Array;
  future: Float32Array;
}

function originTimeFeatures(origin: number, { L, H, stepSeconds }: ModelShape): OriginTimeFeatures {
  const past = new Float32Array(L * N_TIME_FEATURES);
  const future = new Float32Array(H * N_TIME_FEATURES);
  for (let i = 0; i < L; i++) writeTimeFeatures(past, i * N_TIME_FEATURES, origin - stepSeconds * (L - 1 - i), (i - L) / H);
  for (let j = 0; j < H; j++) writeTimeFeatures(future, j * N_TIME_FEATURES, origin + stepSeconds * (j + 1), j / H);
  return { past, future };
}

/** A typed array of `length` over `spare`'s memory when it has room, else a fresh one. */
function over<T extends Float32Array | BigInt64Array | Float64Array>(spare: T | undefined, length: number, make: (n: number) => T): T {
  if (!spare || spare.buffer.byteLength < length * spare.BYTES_PER_ELEMENT) return make(length);
  return new (spare.constructor as new (buffer: ArrayBufferLike, offset: number, length: number) => T)(spare.buffer, 0, length);
}

/**
 * Builds the batch: each encoder is the last min(L, length) buckets ending at the origin, left-padded
 * with zeros (mask 0); padded positions still get their time features, which the model ignores.
 * A fleet's servers mostly share their origin, so the time features are computed once per origin and copied.
 * `spare`: an earlier batch's inputs, whose memory this one is written over where it has room (every
 * value is written, padding zeroed): a pass of thousands of servers then allocates its megabytes once.
 */
export function buildModelInputs(items: readonly EncoderInput[], shape: ModelShape, spare?: ModelInputs): ModelInputs {
  const { L, H, stepSeconds } = shape;
  const B = items.length;
  const inputs: ModelInputs = {
    batch: B,
    pastValues: over(spare?.pastValues, B * L * N_METRICS, (n) => new Float32Array(n)),
    pastMask: over(spare?.pastMask, B * L * N_METRICS, (n) => new Float32Array(n)),
    encoderLength: over(spare?.encoderLength, B, (n) => new BigInt64Array(n)),
    pastTime: over(spare?.pastTime, B * L * N_TIME_FEATURES, (n) => new Float32Array(n)),
    futureTime: over(spare?.futureTime, B * H * N_TIME_FEATURES, (n) => new Float32Array(n)),
    profile: over(spare?.profile, B, (n) => new BigInt64Array(n)),
    origins: over(spare?.origins, B, (n) => new Float64Array(n)),
  };
  const timeByOrigin = new Map<number, OriginTimeFeatures>();
  items.forEach(({ series, profileIndex }, b) => {
    if (series.stepSeconds !== stepSeconds) {
      throw new Error(`series is on a ${series.stepSeconds} s grid but the model steps ${stepSeconds} s`);
    }
    const n = Math.min(L, series.length);
    const origin = series.t0 + (series.length - 1) * stepSeconds;
    inputs.origins[b] = origin;
    inputs.encoderLength[b] = BigInt(n);
    inputs.profile[b] = BigInt(profileIndex);
    const src = (series.length - n) * N_METRICS;
    const row = b * L * N_METRICS;
    const dst = row + (L - n) * N_METRICS;
    if (spare) {
      inputs.pastValues.fill(0, row, dst);
      inputs.pastMask.fill(0, row, dst);
    }
    inputs.pastValues.set(series.values.subarray(src, src + n * N_METRICS), dst);
    inputs.pastMask.set(series.mask.subarray(src, src + n * N_METRICS), dst);
    let time = timeByOrigin.get(origin);
    if (!time) timeByOrigin.set(origin, (time = originTimeFeatures(origin, shape)));
    inputs.pastTime.set(time.past, b * L * N_TIME_FEATURES);
    inputs.futureTime.set(time.future, b * H * N_TIME_FEATURES);
  });
  return inputs;
}
