import type { ExpectedCountDto } from '@tft/api-client';
import type { MetricName } from './thresholds';

export interface MetricInfo {
  label: string;
  /** Unit appended to values; empty for the load average (a count of runnable tasks). */
  unit: string;
  /** Fixed axis range for percentages; null lets the chart scale (load). */
  max: number | null;
}

export const METRIC_INFO: Readonly<Record<MetricName, MetricInfo>> = {
  cpu_percent: { label: 'CPU', unit: '%', max: 100 },
  memory_percent: { label: 'Memory', unit: '%', max: 100 },
  disk_percent: { label: 'Disk', unit: '%', max: 100 },
  load_average: { label: 'Load average', unit: '', max: null },
};

/** "85.3 %" for percentages, "12.40" for the load average; "–" for missing values. */
export function formatMetricValue(metric: MetricName, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '–';
  }
  const info = METRIC_INFO[metric];
  return info.unit === '%' ? `${value.toFixed(1)} %` : value.toFixed(2);
}

/** A probability in 0..1 as "12.9 %" (one decimal; "<0.1 %" for tiny non-zero values). */
export function formatProbability(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  if (p > 0 && p < 0.001) return '<0.1 %';
  return `${(p * 100).toFixed(1)} %`;
}

/** What raised an alert, as people read it: "42.0 % chance" for the probability rule, else the trigger's name. */
export function formatTrigger(a: { trigger: string; probability?: number }): string {
  return a.trigger === 'probability' ? `${formatProbability(a.probability)} chance` : a.trigger;
}

/** "in 25 min", "in 2 h 05 min". */
export function formatMinutesAhead(minutes: number): string {
  if (minutes < 60) return `${Math.round(minutes)} min`;
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes - h * 60);
  return `${h} h ${String(m).padStart(2, '0')} min`;
}

/** Data-time stamps as "Nov 28, 14:15" in UTC: the fleet's clock, not the viewer's. */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return '–';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t);
  const month = d.toLocaleString('en', { month: 'short', timeZone: 'UTC' });
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${month} ${d.getUTCDate()}, ${hh}:${mm} UTC`;
}

/** "10,000": counts of servers, whatever the viewer's locale, as the api's docs write them. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** An expected number of servers with its 90 % band: "2.4 servers (0–5)". */
export function formatExpected(count: ExpectedCountDto): string {
  return `${count.expected.toFixed(1)} servers (${formatCount(count.low)}–${formatCount(count.high)})`;
}
