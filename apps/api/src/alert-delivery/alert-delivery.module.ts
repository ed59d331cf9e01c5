import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { WindowModule } from '../window/window.module';
import { AlertDeliveryService } from './alert-delivery.service';
import { ALERT_TRANSPORT, fetchTransport } from './alert-transport';

/** Pushes predicted alerts to ALERTMANAGER_URL and ALERT_WEBHOOK_URLS; does nothing when neither is set. */
@Module({
  imports: [AlertsModule, WindowModule],
  providers: [AlertDeliveryService, { provide: ALERT_TRANSPORT, useValue: fetchTransport }],
  exports: [AlertDeliveryService],
})
export class AlertDeliveryModule {}
