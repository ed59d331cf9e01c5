import { Module } from '@nestjs/common';
import { ReadModelModule } from '../read-model/read-model.module';
import { PredictionsController } from './predictions.controller';

@Module({
  imports: [ReadModelModule],
  controllers: [PredictionsController],
})
export class PredictionsModule {}
