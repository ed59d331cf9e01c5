import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from './metrics-registry';

/** Outcomes of a written sample, as both write routes count them. */
export type IngestOutcomeLabel =
  | 'stored'
  | 'duplicate'
  | 'rejected'
  | 'too_old'
  | 'stale_marker'
  | 'unusable'
  /** Samples of new servers refused by a cardinality limit (ServerLimits). */
  | 'max_servers'
  | 'new_servers_rate';

/** The receivers of host series (node_exporter through remote write, OpenTelemetry's host metrics through OTLP). */
export type SeriesRoutePath = '/api/v1/write' | '/v1/metrics';

export type WriteRoutePath = '/feed/data' | SeriesRoutePath;

/**
 * The counters and histograms the api's services update as they work (GET /metrics); the gauges read
 * at scrape time live in ScrapeCollectors.
 */
@Injectable()
export class ApiMetrics {
  readonly samples: Counter<'route' | 'outcome'>;
  readonly ignoredSeries: Counter;
  readonly ignoredPoints: Counter;
  readonly passDuration: Histogram;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.samples = new Counter({
      name: 'tft_ingest_samples_total',
      help:
        'Samples written to the api by route and outcome (a /feed/data record is one sample; remote write counts each series sample); ' +
        'max_servers and new_servers_rate count the samples of new servers the cardinality limits refused',
      labelNames: ['route', 'outcome'],
      registers: [registry],
    });
    this.ignoredSeries = new Counter({
      name: 'tft_remote_write_ignored_series_total',
      help: 'Remote-write series the receiver does not use (other metrics, cpu modes, mountpoints); keep them out with write_relabel_configs',
      registers: [registry],
    });
    this.ignoredPoints = new Counter({
      name: 'tft_otlp_ignored_points_total',
      help: 'OTLP data points the receiver does not use (other metrics, cpu states, mountpoints, histograms); keep them out with a filter processor',
      registers: [registry],
    });
    this.passDuration = new Histogram({
      name: 'tft_forecast_pass_duration_seconds',
      help: 'Duration of forecast passes that re-forecast at least one server',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }

  countSamples(route: WriteRoutePath, outcome: IngestOutcomeLabel, n: number): void {
    if (n > 0) this.samples.inc({ route, outcome }, n);
  }
}
