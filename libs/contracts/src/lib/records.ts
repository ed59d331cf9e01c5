import { METRICS, type MetricName } from './metrics';
import type { Profile, Status } from './fleet';

/** One host-metric sample, exactly the seed's `/feed/data` record. */
export type MetricRecord = {
  /** ISO 8601 timestamp of the sample. */
  timestamp: string;
  server_name: string;
  status?: Status | string;
  profile?: Profile | string;
} & Record<MetricName, number>;

/**
 * The columns of a contract CSV, one row per server and step: what the backtest and the trainer read
 * (by name, in any order, other columns ignored) and what the api's GET /export writes. The
 * generator's labelled export adds its labels (status, scenario, incident) to these.
 */
export const CONTRACT_CSV_COLUMNS = ['timestamp', 'server_name', ...METRICS, 'profile'] as const;

/** Server names: 1-128 characters of letters, digits and `._:-` (hostnames, FQDNs, instance ids). */
export const SERVER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const SERVER_NAME_MAX_LENGTH = 128;

export interface ScenarioSetResponse {
  status: 'success';
  old_scenario: string;
  new_scenario: string;
  affected_servers: number;
  message: string;
}

export interface ScenarioStatusResponse {
  scenario: string;
  multiplier: number;
  affected_servers: string[];
  uptime_seconds: number;
}
