import { IngestModule } from '../ingest/ingest.module';
import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { ReadModelModule } from '../read-model/read-model.module';
import { WarmupModule } from '../warmup/warmup.module';
import { WindowModule } from '../window/window.module';
import { HealthController } from './health.controller';
import { nodeProcessProbe, PROCESS_PROBE } from './process-probe';
import { StatusService } from './status.service';

@Module({
  imports: [ReadModelModule, WindowModule, WarmupModule, AlertsModule, IngestModule],
  controllers: [HealthController],
  providers: [StatusService, { provide: PROCESS_PROBE, useValue: nodeProcessProbe }],
})
export class HealthModule {}
