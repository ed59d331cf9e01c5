import { readFileSync } from 'node:fs';
import { METRICS, PROFILES, type MetricName } from '@tft/contracts';
import { DEFAULT_THRESHOLD_CONFIG, type ThresholdConfig, type ThresholdOverrides, type ThresholdProfile } from '@tft/forecasting';
import { ConfigError } from './api-config';

type PairInput = { warning?: unknown; critical?: unknown };

function pair(where: string, raw: unknown): { warning: number; critical: number } {
  const p = raw as PairInput;
  if (typeof p !== 'object' || p === null || typeof p.warning !== 'number' || typeof p.critical !== 'number') {
    throw new ConfigError(`${where} must be {"warning": number, "critical": number}`);
  }
  if (!(p.warning <= p.critical)) throw new ConfigError(`${where}: warning ${p.warning} is above critical ${p.critical}`);
  return { warning: p.warning, critical: p.critical };
}

function metricPairs(where: string, raw: unknown): Partial<Record<MetricName, { warning: number; critical: number }>> {
  if (typeof raw !== 'object' || raw === null) throw new ConfigError(`${where} must be an object keyed by metric`);
  const out: Partial<Record<MetricName, { warning: number; critical: number }>> = {};
  for (const [metric, value] of Object.entries(raw)) {
    if (!(METRICS as readonly string[]).includes(metric))
      throw new ConfigError(`${where}: unknown metric "${metric}" (use ${METRICS.join(', ')})`);
    out[metric as MetricName] = pair(`${where}.${metric}`, value);
  }
  return out;
}

/**
 * Alert thresholds: the seed's defaults and the built-in per-profile overrides, with anything in the
 * JSON file ALERT_THRESHOLDS_FILE laid over them:
 * `{"defaults": {"cpu_percent": {"warning": 75, "critical": 90}}, "profiles": {"web_api": {...}}}`.
 */
export function loadThresholdConfig(file: string | undefined): ThresholdConfig {
  if (!file) return DEFAULT_THRESHOLD_CONFIG;
  let json: { defaults?: unknown; profiles?: unknown };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`ALERT_THRESHOLDS_FILE ${file}: ${(err as Error).message}`);
  }
  const defaults = {
    ...DEFAULT_THRESHOLD_CONFIG.defaults,
    ...(json.defaults ? metricPairs('defaults', json.defaults) : {}),
  };
  const profiles: ThresholdOverrides = { ...DEFAULT_THRESHOLD_CONFIG.profiles };
  for (const [profile, value] of Object.entries((json.profiles as object | undefined) ?? {})) {
    if (![...PROFILES, 'unknown'].includes(profile))
      throw new ConfigError(`profiles: unknown profile "${profile}" (use ${PROFILES.join(', ')}, unknown)`);
    profiles[profile as ThresholdProfile] = {
      ...profiles[profile as ThresholdProfile],
      ...metricPairs(`profiles.${profile}`, value),
    };
  }
  return { defaults, profiles };
}
