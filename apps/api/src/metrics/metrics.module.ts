import { Global, Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { InferenceModule } from '../inference/inference.module';
import { ReadModelModule } from '../read-model/read-model.module';
import { WindowModule } from '../window/window.module';
import { ApiMetrics } from './api-metrics';
import { MetricsController } from './metrics.controller';
import { ScrapeCollectors } from './scrape-collectors';

/** The api's telemetry: counters services update (ApiMetrics, global) and GET /metrics. */
@Global()
@Module({
  imports: [InferenceModule, ReadModelModule, WindowModule, AlertsModule],
  controllers: [MetricsController],
  providers: [ApiMetrics, ScrapeCollectors],
  exports: [ApiMetrics],
})
export class MetricsModule {}
