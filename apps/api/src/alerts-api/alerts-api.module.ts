import { Module } from '@nestjs/common';
import { BodiesModule } from '../bodies/bodies.module';
import { ReadModelModule } from '../read-model/read-model.module';
import { AlertsController } from './alerts.controller';
import { AlertsModule } from '../alerts/alerts.module';

/** GET /alerts/*: the active alerts as the ForecastStore published them, the resolved ones, the thresholds. */
@Module({
  imports: [AlertsModule, ReadModelModule, BodiesModule],
  controllers: [AlertsController],
})
export class AlertsApiModule {}
