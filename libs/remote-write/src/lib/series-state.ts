/** The newest sample of one host series: the duplicate horizon, and a counter's previous value for its rate. */
export interface SeriesState {
  timeMs: number;
  value: number;
}

/** A series state to make durable with the samples of the request that moved it: its host, its key, its newest sample. */
export interface SeriesStateChange extends SeriesState {
  server: string;
  series: string;
}
