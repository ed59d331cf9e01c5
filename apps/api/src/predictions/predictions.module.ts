import { Module } from '@nestjs/common';
import { BodiesModule } from '../bodies/bodies.module';
import { PredictionsController } from './predictions.controller';

@Module({
  imports: [BodiesModule],
  controllers: [PredictionsController],
})
export class PredictionsModule {}
