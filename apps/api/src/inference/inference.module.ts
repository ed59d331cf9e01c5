import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { WarmupModule } from '../warmup/warmup.module';
import { WindowModule } from '../window/window.module';
import { InferenceScheduler } from './inference.scheduler';
import { InferenceService } from './inference.service';

@Module({
  imports: [WindowModule, WarmupModule, AlertsModule],
  providers: [InferenceService, InferenceScheduler],
  exports: [InferenceService],
})
export class InferenceModule {}
