import { PROFILE_PREFIXES, PROFILES, type Profile } from '@tft/contracts';
import { bucketStart, profileIndex, type EncoderInput, type ModelMetadata, type StepSeries } from '@tft/forecasting';
import { gaussian, SEED, seededRandom, type Random } from './rng';

const DAY = 86400;
const N_METRICS = 4;

/** One synthetic server: levels, a daily cycle and noise per metric, and where its data has holes. */
export interface ServerShape {
  name: string;
  profile: Profile;
  cpuBase: number;
  cpuAmp: number;
  /** Hour-of-day phase of the daily cycle, radians. */
  phase: number;
  cpuNoise: number;
  memBase: number;
  memAmp: number;
  memNoise: number;
  diskBase: number;
  /** Disk fill rate, percent per day. */
  diskPerDay: number;
  /** Load average per cpu percent (cores / 100, roughly). */
  loadPerCpu: number;
  /** Every `gapEvery`-th step (from `gapOffset`) starts a gap of `gapLength` steps; 0 = no gaps. */
  gapEvery: number;
  gapOffset: number;
  gapLength: number;
  /** Some hosts never report a load average. */
  hasLoad: boolean;
}

/** `n` servers across the seven profiles, named like the generator's fleet (`ppweb-00002`). */
export function makeFleet(n: number, seed: number): ServerShape[] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const profile = PROFILES[i % PROFILES.length];
    const gappy = rand() < 0.15;
    const cpuBase = 8 + 55 * rand();
    return {
      name: `${PROFILE_PREFIXES[profile]}-${String(i).padStart(5, '0')}`,
      profile,
      cpuBase,
      cpuAmp: Math.min(cpuBase - 2, 3 + 22 * rand()),
      phase: 2 * Math.PI * (0.3 + 0.3 * rand()),
      cpuNoise: 1 + 5 * rand(),
      memBase: 30 + 50 * rand(),
      memAmp: 0.5 + 5 * rand(),
      memNoise: 0.2 + 0.8 * rand(),
      diskBase: 15 + 60 * rand(),
      diskPerDay: 0.5 * rand(),
      loadPerCpu: (2 + 14 * rand()) / 100,
      gapEvery: gappy ? 40 + Math.floor(80 * rand()) : 0,
      gapOffset: Math.floor(40 * rand()),
      gapLength: 2 + Math.floor(10 * rand()),
      hasLoad: rand() > 0.03,
    };
  });
}

const clip = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** The four metric values of `s` at epoch second `t`: daily sine + gaussian noise, within the contract's ranges. */
export function sampleAt(s: ServerShape, t: number, rand: Random): [number, number, number, number] {
  const day = Math.sin((2 * Math.PI * (t % DAY)) / DAY - s.phase);
  const cpu = clip(s.cpuBase + s.cpuAmp * day + s.cpuNoise * gaussian(rand), 0, 100);
  const mem = clip(s.memBase + s.memAmp * day + s.memNoise * gaussian(rand), 0, 100);
  const disk = clip(s.diskBase + (s.diskPerDay * (t % (30 * DAY))) / DAY + 0.05 * gaussian(rand), 0, 100);
  const load = Math.max(0, cpu * s.loadPerCpu * (1 + 0.1 * gaussian(rand)));
  return [cpu, mem, disk, load];
}

/** Whether step number `step` (epoch step index) of server `s` is missing (a gap in its reporting). */
export function inGap(s: ServerShape, step: number): boolean {
  return s.gapEvery > 0 && (((step - s.gapOffset) % s.gapEvery) + s.gapEvery) % s.gapEvery < s.gapLength;
}

/**
 * A `steps`-long step-grid history per server ending with the step that starts at `origin` (each
 * bucket is one step's mean; gaps are masked, load is masked for hosts without it). The origin step
 * itself is never a gap, as in a live window whose newest closed step holds data.
 */
export function fleetHistories(
  fleet: readonly ServerShape[],
  opts: {
    steps: number;
    stepSeconds: number;
    origin: number;
    seed: number;
    profileIndex: (s: ServerShape) => number;
  },
): EncoderInput[] {
  const { steps, stepSeconds } = opts;
  const origin = bucketStart(opts.origin, stepSeconds);
  const t0 = origin - (steps - 1) * stepSeconds;
  const rand = seededRandom(opts.seed);
  return fleet.map((s) => {
    const values = new Float32Array(steps * N_METRICS);
    const mask = new Float32Array(steps * N_METRICS);
    const samples = new Uint32Array(steps);
    for (let i = 0; i < steps; i++) {
      const t = t0 + i * stepSeconds;
      if (i < steps - 1 && inGap(s, t / stepSeconds)) continue;
      const v = sampleAt(s, t + stepSeconds / 2, rand);
      samples[i] = stepSeconds / 5;
      for (let m = 0; m < N_METRICS; m++) {
        if (m === 3 && !s.hasLoad) continue;
        values[i * N_METRICS + m] = v[m];
        mask[i * N_METRICS + m] = 1;
      }
    }
    const series: StepSeries = {
      t0,
      stepSeconds,
      length: steps,
      values,
      mask,
      samples,
    };
    return { series, profileIndex: opts.profileIndex(s) };
  });
}

/** Where the inference benchmarks' histories end: a fixed Monday afternoon, so runs compare. */
export const BENCH_ORIGIN = Math.floor(Date.UTC(2026, 10, 23, 14, 5) / 1000);

/** The first `n` servers of the seeded fleet as `meta`'s model takes them: its encoder length, grid and profiles. */
export function modelHistories(meta: ModelMetadata, n: number): EncoderInput[] {
  return fleetHistories(makeFleet(n, SEED), {
    steps: meta.max_encoder_length,
    stepSeconds: meta.step_seconds,
    origin: BENCH_ORIGIN,
    seed: SEED + 1,
    profileIndex: (s) => profileIndex(meta, s.name, s.profile),
  });
}
