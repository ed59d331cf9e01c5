import type { Drivers, MetricForecasts, ServerIncidentRisk } from '@tft/forecasting';
import type { ModelKind } from '../model/model-provider';
import type { AlertTransitions } from './alert';
import type { ForecastHighlights } from './forecast-highlights';

/** One re-forecast server as a pass made it: the model's quantiles and what the pass derived from them. */
export interface NewForecast {
  server: string;
  profile: string | null;
  model: ModelKind;
  /** The TFT version that made it; null (or absent) for the heuristic. */
  modelVersion?: string | null;
  /** Epoch seconds of the start of the last step used. */
  origin: number;
  quantiles: MetricForecasts;
  drivers: Drivers | null;
  risk: ServerIncidentRisk;
  highlights: ForecastHighlights;
  warmup: { is_warmed_up: boolean; progress_percent: number };
  /** Newest step mean per metric, METRICS order; NaN for a metric never received. */
  latest: ArrayLike<number>;
  /** Hours from the origin to the horizon, over which `trend` runs. */
  horizonHours: number;
}

/** How the forecast passes went, as of a snapshot. */
export interface PassStats {
  /** Passes run since startup. */
  count: number;
  /** Duration of the newest pass (ms). */
  lastMs: number;
  /** Wall-clock time (ms) the newest forecast was made; null before the first. */
  newestForecastAt: number | null;
  /** Duration of the newest deferred garbage collection (ms); null before the first. */
  lastCollectionMs: number | null;
}

/**
 * What one forecast pass (or a retirement between passes) changed of this process's forecasts, published
 * once at its end: every reader (the read model, the Prometheus series, the feed, delivery, the
 * cluster's exchange) is a projection of these.
 */
export interface ForecastSnapshot {
  /** Data time (epoch s) the pass ran at. */
  dataTime: number;
  /** Servers re-forecast. */
  forecasts: readonly NewForecast[];
  /** Servers that left: stale, retired. */
  removed: readonly string[];
  /** Servers whose newest step means moved without a re-forecast. */
  latest: ReadonlyMap<string, ArrayLike<number>>;
  /** Stale servers this process holds. */
  staleServers: number;
  /** This process's alerts after the pass, and how they moved since the previous snapshot. */
  alerts: AlertTransitions;
  pass: PassStats;
}
