import type { MetricName, Severity } from '@tft/contracts';

/** What drives the alerting metric's forecast most (GET /servers/{name}/drivers, as of the alert's raise). */
export interface AlertDriver {
  /** `cpu_percent.recent`, `calendar`, ... */
  input: string;
  label: string;
  /** Mean absolute change of the metric's p50 over the horizon without it (metric units). */
  change: number;
}

export interface Alert {
  /** Stable identity of this server's alert on this metric (see alertId). */
  id: string;
  server: string;
  metric: MetricName;
  severity: Severity;
  predicted_value: number;
  threshold: number;
  minutes_ahead: number;
  /**
   * What raised it: the probability of the breach reached the model's level (probability), the median
   * crossed, the upper band crossed within 30 minutes, or the recent trend (guard).
   */
  trigger: 'probability' | 'p50' | 'p90' | 'trend';
  /** For trigger probability: P(the breach within the rule's window), as the forecast has it. */
  probability?: number;
  /** When the crossing is expected (data time). */
  expected_at: string;
  model: string;
  state: 'firing' | 'resolved';
  /** Data time the breach was first predicted (it fired ALERT_FOR later). */
  first_seen: string;
  /** Data time of the latest pass that still predicted it. */
  last_seen: string;
  resolved_at: string | null;
  /** The top driver of the metric's forecast when the alert was raised; null from the heuristic, or when not known. */
  driver?: AlertDriver | null;
}

/** How one snapshot's alerts moved since the previous one, the rule every reader takes them by. */
export interface AlertChanges {
  /** Fired since the previous snapshot, or firing at another severity: what pages. */
  raised: readonly Alert[];
  /** Still firing at the same severity, now expected at another time. */
  updated: readonly Alert[];
  /** Resolved since the previous snapshot. */
  resolved: readonly Alert[];
}

/**
 * What one snapshot carries of its process's alerts: every alert firing now, and how they moved since
 * the previous snapshot, computed once where the lifecycles move them.
 */
export interface AlertTransitions extends AlertChanges {
  /** Every alert firing now, most urgent first. */
  firing: readonly Alert[];
  /** Ids of alerts handed over to another replica since the previous snapshot: neither firing here nor resolved. */
  handedOver: readonly string[];
  /** Alerts of servers retired while they fired: they end without a resolve. */
  dropped: readonly Alert[];
}

/** A new alert or another severity is raised; another expected time at the same severity is an update. */
export function alertMove(before: Alert | undefined, after: Alert): 'raised' | 'updated' | null {
  if (!before || before.severity !== after.severity) return 'raised';
  return before.minutes_ahead !== after.minutes_ahead ? 'updated' : null;
}

/** How a server's alerts moved between two of its owner's publishes (cluster mode reads them as levels). */
export function alertChanges(before: readonly Alert[], after: readonly Alert[]): AlertChanges {
  const previous = new Map(before.map((a) => [a.id, a]));
  const raised: Alert[] = [];
  const updated: Alert[] = [];
  for (const a of after) {
    const move = alertMove(previous.get(a.id), a);
    if (move === 'raised') raised.push(a);
    else if (move === 'updated') updated.push(a);
    previous.delete(a.id);
  }
  return { raised, updated, resolved: [...previous.values()] };
}
