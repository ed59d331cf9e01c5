import { METRICS, type MetricName } from '@tft/contracts';
import type { MetricForecasts } from './forecast-decoding';
import { N_TIME_FEATURES, type ModelInputs, type ModelShape } from './model-inputs';

const N_METRICS = METRICS.length;
const HOUR = 3600;
const DAY = 86400;

/** An input group a forecast can be attributed to. */
export type InputGroup =
  | { kind: 'recent'; metric: MetricName }
  | { kind: 'day_ago'; metric: MetricName }
  | { kind: 'calendar' }
  | { kind: 'profile' };

/** Every group, in the order the ablated rows follow the forecast's own row. */
export const INPUT_GROUPS: readonly InputGroup[] = [
  ...METRICS.map((metric) => ({ kind: 'recent' as const, metric })),
  ...METRICS.map((metric) => ({ kind: 'day_ago' as const, metric })),
  { kind: 'calendar' },
  { kind: 'profile' },
];

/** A group's stable id: `cpu_percent.recent`, `cpu_percent.day_ago`, `calendar`, `profile`. */
export const inputGroupId = (g: InputGroup): string => ('metric' in g ? `${g.metric}.${g.kind}` : g.kind);

/** What an operator reads for a group. */
export function inputGroupLabel(g: InputGroup): string {
  switch (g.kind) {
    case 'recent':
      return `${g.metric} over the last hour`;
    case 'day_ago':
      return `${g.metric} 24 h before the horizon`;
    case 'calendar':
      return 'time of day and day of week';
    case 'profile':
      return 'the server profile';
  }
}

/** How the attribution is computed, in one line (the api and the console say it). */
export const ATTRIBUTION_METHOD =
  'Each input group is replaced, one at a time, by a neutral baseline (its values masked as missing data, the calendar at its cycle mean, the profile unknown) and the forecast re-run; a group drives a metric by how far that moves its p50, as the mean absolute change over the horizon in the metric’s units.';

/** Encoder positions a group covers: `recent` the last hour; `day_ago` the day-old steps the decoder's horizon repeats. */
function encoderPositions(kind: 'recent' | 'day_ago', { L, H, stepSeconds }: ModelShape): [number, number] {
  if (kind === 'recent') return [Math.max(0, L - Math.round(HOUR / stepSeconds)), L];
  // decoder step j starts at origin + (j+1) step; a day earlier is encoder position L-1-(D-(j+1))
  const first = L - Math.round(DAY / stepSeconds);
  return [Math.max(0, first), Math.max(0, first + H)];
}

/**
 * The model's inputs for one forecast (row 0 of `base`) followed by one row per INPUT_GROUPS entry with
 * that group replaced by its neutral baseline, so one onnxruntime call answers them all.
 */
export function ablatedInputs(base: ModelInputs, shape: ModelShape): ModelInputs {
  const { L, H } = shape;
  const rows = 1 + INPUT_GROUPS.length;
  const copyRow = (src: Float32Array, width: number): Float32Array => {
    const out = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) out.set(src.subarray(0, width), r * width);
    return out;
  };
  const inputs: ModelInputs = {
    batch: rows,
    pastValues: copyRow(base.pastValues, L * N_METRICS),
    pastMask: copyRow(base.pastMask, L * N_METRICS),
    encoderLength: new BigInt64Array(rows).fill(base.encoderLength[0]),
    pastTime: copyRow(base.pastTime, L * N_TIME_FEATURES),
    futureTime: copyRow(base.futureTime, H * N_TIME_FEATURES),
    profile: new BigInt64Array(rows).fill(base.profile[0]),
    origins: new Float64Array(rows).fill(base.origins[0]),
  };
  INPUT_GROUPS.forEach((g, i) => {
    const r = i + 1;
    if (g.kind === 'profile') inputs.profile[r] = 0n;
    else if (g.kind === 'calendar') {
      // sin/cos of time of day and day of week at 0 (their mean over a cycle); the position feature stays
      const blank = (t: Float32Array, steps: number) => {
        for (let s = 0; s < steps; s++) t.fill(0, (r * steps + s) * N_TIME_FEATURES, (r * steps + s) * N_TIME_FEATURES + 4);
      };
      blank(inputs.pastTime, L);
      blank(inputs.futureTime, H);
    } else {
      const m = METRICS.indexOf(g.metric);
      const [from, to] = encoderPositions(g.kind, shape);
      for (let p = from; p < to; p++) {
        inputs.pastValues[(r * L + p) * N_METRICS + m] = 0;
        inputs.pastMask[(r * L + p) * N_METRICS + m] = 0;
      }
    }
  });
  return inputs;
}

/** One group's effect on one metric's forecast. */
export interface Attribution {
  /** `cpu_percent.recent`, `calendar`, ... */
  input: string;
  label: string;
  /** Mean absolute change of the p50 over the horizon when the group is at its baseline (metric units). */
  change: number;
  /** Its part of all the groups' changes for this metric (0..1; 0 when none moves it). */
  share: number;
}

export type Attributions = Record<MetricName, Attribution[]>;

/**
 * Per forecast metric, how far each group's ablation moved the p50 (`ablated[i]` answers
 * INPUT_GROUPS[i]), largest first. A metric the server does not report moves nothing: all zero.
 */
export function attributionsOf(base: MetricForecasts, ablated: readonly MetricForecasts[]): Attributions {
  const out = {} as Attributions;
  for (const metric of METRICS) {
    const p50 = base[metric].p50;
    const rows = INPUT_GROUPS.map((g, i) => {
      const other = ablated[i][metric].p50;
      let sum = 0;
      for (let h = 0; h < p50.length; h++) sum += Math.abs(other[h] - p50[h]);
      return { input: inputGroupId(g), label: inputGroupLabel(g), change: sum / p50.length, share: 0 };
    });
    const total = rows.reduce((s, r) => s + r.change, 0);
    for (const r of rows) r.share = total > 0 ? r.change / total : 0;
    out[metric] = rows.sort((a, b) => b.change - a.change);
  }
  return out;
}
