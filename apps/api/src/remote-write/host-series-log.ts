import type { SeriesRoutePath } from '../metrics/api-metrics';
import type { ClassifiedSeries } from './node-exporter-mapping';

/**
 * Cluster mode's metrics log for host series: classified series go to their partition's owner, which
 * derives them against the series state it holds. A port the host-series path owns and cluster mode
 * provides (absent in a single process), so remote write does not import the cluster.
 */
export interface HostSeriesLog {
  appendSeries(series: readonly ClassifiedSeries[], route: SeriesRoutePath): Promise<{ added: number; duplicates: number }>;
}

export const HOST_SERIES_LOG = Symbol('HOST_SERIES_LOG');
