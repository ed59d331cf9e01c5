import type { BreachRule, Drivers, MetricForecasts, StepSeries } from '@tft/forecasting';

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
  /** Frees what the provider holds (the TFT's session and its thread). */
  close?(): Promise<void>;
}

/** The time grid every part of the api works on, from the model's metadata (or defaults without one). */
export interface ModelGrid {
  stepSeconds: number;
  horizon: number;
  minEncoderLength: number;
  maxEncoderLength: number;
}

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

/** What the inference module loaded at startup: the TFT (or why not), the heuristic, grid and device. */
export interface ModelRuntime {
  tft: ModelProvider | null;
  heuristic: ModelProvider;
  grid: ModelGrid;
  device: DeviceInfo;
  modelDir: string | null;
  modelVersion: string | null;
  /** The TFT's probability alert rule (its metadata's alert_rule); null: the p50/p90 crossing rule. */
  alertRule: BreachRule | null;
  /** Set when no TFT could be loaded: the api then runs in heuristic mode. */
  loadError: string | null;
  /** Profile vocabulary and prefix map for profile indices. */
  profileIndex(serverName: string, profile: string | null): number;
}

export const MODEL_RUNTIME = Symbol('MODEL_RUNTIME');

/** Used when no model metadata is available: the shipped model's grid. */
export const DEFAULT_GRID: ModelGrid = {
  stepSeconds: 300,
  horizon: 96,
  minEncoderLength: 12,
  maxEncoderLength: 288,
};
