import { Module } from '@nestjs/common';
import { AlertsService } from './alerts.service';

/** The alert lifecycles; the ForecastStore publishes what they raise, and AlertsApiModule serves it. */
@Module({
  providers: [AlertsService],
  exports: [AlertsService],
})
export class AlertsModule {}
