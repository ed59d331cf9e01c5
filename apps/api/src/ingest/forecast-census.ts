/**
 * What the cardinality limits need of the forecasts: which servers the fleet holds beyond this
 * process's windows (in cluster mode, the other replicas' servers). A port the ingest module owns;
 * the read model provides it (AppModule wires them), so ingest does not import what it feeds.
 */
export interface ForecastCensus {
  readonly size: number;
  has(server: string): boolean;
}

export const FORECAST_CENSUS = Symbol('FORECAST_CENSUS');
