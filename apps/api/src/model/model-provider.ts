import type { Attributions, BreachRule, Drivers, MetricForecasts, StepSeries } from '@tft/forecasting';
import { DEFAULT_GRID, type StepGrid } from '../step-grid';

export type ModelKind = 'TFT' | 'heuristic';

export interface ForecastRequest {
  server: string;
  series: StepSeries;
  profileIndex: number;
}

export interface ForecastResult {
  quantiles: MetricForecasts;
  drivers: Drivers | null;
}

/** Something that turns step-grid histories into 96-step quantile forecasts. */
export interface ModelProvider {
  readonly kind: ModelKind;
  forecast(requests: readonly ForecastRequest[]): Promise<ForecastResult[]>;
  /** What drives one forecast, by ablation of its input groups (models with learned inputs only). */
  attribute?(request: ForecastRequest): Promise<Attributions>;
  /** Frees what the provider holds (the TFT's session and its thread). */
  close?(): Promise<void>;
}

/** The model's time grid (STEP_GRID for the parts that only need the grid). */
export type ModelGrid = StepGrid;

export interface DeviceInfo {
  /** `cpu` or `cuda:0`. */
  device: string;
  /** Name of the settings profile chosen from the table. */
  profile: string;
  batchSize: number;
  threads: number | null;
  gpu: string | null;
  /** Why a requested or detected GPU is not used, when it is not. */
  fallbackReason: string | null;
}

/** One TFT version as loaded: what a model reload swaps in as a whole. */
export interface LoadedModel {
  tft: ModelProvider;
  grid: ModelGrid;
  modelDir: string;
  modelVersion: string;
  /** The TFT's probability alert rule (its metadata's alert_rule); null: the p50/p90 crossing rule. */
  alertRule: BreachRule | null;
  /** Profile vocabulary and prefix map for profile indices. */
  profileIndex(serverName: string, profile: string | null): number;
}

/**
 * The model the api serves: the TFT (or why none), the heuristic, grid and device. One object for the
 * process's life; a reload (ModelReloadService) replaces its model fields together, between passes'
 * reads, so a reader that takes them at once (as a pass does at its start) never mixes two models.
 */
export interface ModelRuntime {
  tft: ModelProvider | null;
  heuristic: ModelProvider;
  grid: ModelGrid;
  device: DeviceInfo;
  modelDir: string | null;
  /** The folder of versions the model came from, watched for newer ones; null when MODEL_DIR pins one version. */
  modelsRoot: string | null;
  modelVersion: string | null;
  /** The TFT's probability alert rule (its metadata's alert_rule); null: the p50/p90 crossing rule. */
  alertRule: BreachRule | null;
  /** Set when no TFT could be loaded: the api then runs in heuristic mode. */
  loadError: string | null;
  /** Profile vocabulary and prefix map for profile indices. */
  profileIndex(serverName: string, profile: string | null): number;
}

export const MODEL_RUNTIME = Symbol('MODEL_RUNTIME');

export { DEFAULT_GRID };
