/** A forecast pass as the change feed announces it. */
export interface PassEvent {
  pass: number;
  prediction_time: string;
  /** Wall-clock time of the publish, with milliseconds: how late a client got it. */
  published_at: string;
  /**
   * Servers whose forecast, alerts or listing changed (a re-forecast, a new alert state, a new
   * server), at most CHANGED_LISTED of them: past that, `changed_count` is larger and a client
   * refetches whatever it shows.
   */
  changed: string[];
  changed_count: number;
  /** Servers that left: stale or retired. */
  removed: string[];
  /** Servers whose live numbers (`current`, `trend`) alone moved. */
  live_updates: number;
  total_servers: number;
}

/** An alert that fired or resolved in a pass. */
export interface AlertEvent {
  state: 'firing' | 'resolved';
  id: string;
  server: string;
  metric: string;
  severity: string;
  minutes_ahead: number;
}

/** Names a pass event lists at most: a pass over a large fleet changes all of it, and 10,000 names are ~150 KB per client. */
export const CHANGED_LISTED = 500;

/** What a publish of the read model changed, for its projections (the bodies, the change feed). */
export interface FleetPublished {
  /** The pass event the change feed announces. */
  pass: PassEvent;
  /** Alerts that fired (or changed severity) and resolved in this publish, the whole fleet's. */
  alerts: readonly AlertEvent[];
  /** Every server whose forecast, alerts or listing changed (not cut at CHANGED_LISTED). */
  changed: readonly string[];
  removed: readonly string[];
  /** Servers whose live numbers alone moved. */
  moved: readonly string[];
}
