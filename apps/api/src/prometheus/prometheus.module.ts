import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { ReadModelModule } from '../read-model/read-model.module';
import { TrackRecordModule } from '../track-record/track-record.module';
import { WindowModule } from '../window/window.module';
import { MetricsController } from './metrics.controller';
import { ScrapeCollectors } from './scrape-collectors';

/** GET /metrics: the daemon's counters and, per server, the forecasts as Prometheus series (a projection of the read model). */
@Module({
  imports: [ReadModelModule, WindowModule, AlertsModule, TrackRecordModule],
  controllers: [MetricsController],
  providers: [ScrapeCollectors],
})
export class PrometheusModule {}
