import { Global, Module } from '@nestjs/common';
import { ApiMetrics } from './api-metrics';

/** The counters and histograms services update as they work (global); PrometheusModule serves them. */
@Global()
@Module({
  providers: [ApiMetrics],
  exports: [ApiMetrics],
})
export class MetricsModule {}
