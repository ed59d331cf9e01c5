import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { InferenceModule } from '../inference/inference.module';
import { PredictionsController } from './predictions.controller';

@Module({
  imports: [InferenceModule, AlertsModule],
  controllers: [PredictionsController],
})
export class PredictionsModule {}
