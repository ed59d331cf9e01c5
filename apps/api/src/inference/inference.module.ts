import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { WarmupModule } from '../warmup/warmup.module';
import { WindowModule } from '../window/window.module';
import { GARBAGE_COLLECTOR, v8GarbageCollector } from './garbage-collector';
import { InferenceScheduler } from './inference.scheduler';
import { InferenceService } from './inference.service';

@Module({
  imports: [WindowModule, WarmupModule, AlertsModule],
  providers: [InferenceService, InferenceScheduler, { provide: GARBAGE_COLLECTOR, useValue: v8GarbageCollector }],
  exports: [InferenceService],
})
export class InferenceModule {}
