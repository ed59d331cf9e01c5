import type { MetricName, Severity } from '@tft/contracts';

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
}

/**
 * What changed in one publish: every alert firing now, those resolved since the previous publish, and
 * the ids of alerts handed over to another replica since then (neither firing here nor resolved).
 */
export interface AlertTransitions {
  firing: readonly Alert[];
  resolved: readonly Alert[];
  handedOver: readonly string[];
}
