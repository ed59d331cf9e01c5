import { METRICS, type MetricName } from '@tft/contracts';
import type { BreachRule } from './breach-alerts';

/** The parts of a model directory's `metadata.json` that feature building and decoding depend on. */
export interface ModelMetadata {
  name: string;
  version: string;
  file: string;
  step_seconds: number;
  horizon: number;
  min_encoder_length: number;
  max_encoder_length: number;
  quantiles: number[];
  targets: MetricName[];
  profile_vocabulary: string[];
  profile_prefixes: Record<string, string>;
  value_ranges: Record<MetricName, [number, number | null]>;
  encoder_variables: string[];
  decoder_variables: string[];
  static_variables: string[];
  parameters: number;
  /** The probability rule chosen for this model's calibrated band; absent: the p50/p90 crossing rule. */
  alert_rule?: BreachRule;
}

export class ModelMetadataError extends Error {}

/** Checks that a parsed `metadata.json` describes a model this code can drive; names what is wrong. */
export function parseModelMetadata(json: unknown): ModelMetadata {
  const m = json as Partial<ModelMetadata>;
  const problems: string[] = [];
  const positiveInt = (key: keyof ModelMetadata) => {
    const v = m[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) problems.push(`${key} must be a positive integer`);
  };
  positiveInt('step_seconds');
  positiveInt('horizon');
  positiveInt('min_encoder_length');
  positiveInt('max_encoder_length');
  if (!Array.isArray(m.targets) || m.targets.join() !== METRICS.join()) {
    problems.push(`targets must be ${METRICS.join(', ')}`);
  }
  for (const q of [0.1, 0.5, 0.9]) {
    if (!Array.isArray(m.quantiles) || !m.quantiles.includes(q)) problems.push(`quantiles must include ${q}`);
  }
  if (!Array.isArray(m.profile_vocabulary) || m.profile_vocabulary[0] !== 'unknown') {
    problems.push('profile_vocabulary must start with "unknown"');
  }
  for (const key of ['encoder_variables', 'decoder_variables', 'static_variables'] as const) {
    if (!Array.isArray(m[key])) problems.push(`${key} must be a list of names`);
  }
  if (typeof m.value_ranges !== 'object' || m.value_ranges === null) problems.push('value_ranges is missing');
  if (m.alert_rule !== undefined) {
    const r = m.alert_rule as Partial<BreachRule>;
    if (typeof r.level !== 'number' || !(r.level > 0 && r.level < 1)) problems.push('alert_rule.level must be a probability in (0, 1)');
    if (typeof r.window_minutes !== 'number' || !(r.window_minutes > 0)) problems.push('alert_rule.window_minutes must be positive');
    if (typeof r.trend_guard !== 'boolean') problems.push('alert_rule.trend_guard must be true or false');
    if (
      r.trend_guard_margin !== undefined &&
      !(typeof r.trend_guard_margin === 'number' && r.trend_guard_margin >= 0 && r.trend_guard_margin <= 1)
    ) {
      problems.push('alert_rule.trend_guard_margin must be a number in [0, 1]');
    }
  }
  if (problems.length) throw new ModelMetadataError(`invalid model metadata: ${problems.join('; ')}`);
  return { file: 'model.onnx', profile_prefixes: {}, ...m } as ModelMetadata;
}

/** Profile index as the trainer assigns it: the profile name, else the server-name prefix, else 0. */
export function profileIndex(meta: ModelMetadata, serverName: string, profile?: string | null): number {
  if (profile) return Math.max(0, meta.profile_vocabulary.indexOf(profile));
  const name = serverName.toLowerCase();
  const prefixes = Object.keys(meta.profile_prefixes).sort((a, b) => b.length - a.length);
  const hit = prefixes.find((p) => name.startsWith(p));
  return hit ? Math.max(0, meta.profile_vocabulary.indexOf(meta.profile_prefixes[hit])) : 0;
}
