import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { ForecastStore } from './forecast-store';

@Module({
  imports: [AlertsModule],
  providers: [ForecastStore],
  exports: [ForecastStore],
})
export class ReadModelModule {}
