import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { InferenceModule } from '../inference/inference.module';
import { WarmupModule } from '../warmup/warmup.module';
import { WindowModule } from '../window/window.module';
import { HealthController } from './health.controller';

@Module({
  imports: [InferenceModule, WindowModule, WarmupModule, AlertsModule],
  controllers: [HealthController],
})
export class HealthModule {}
