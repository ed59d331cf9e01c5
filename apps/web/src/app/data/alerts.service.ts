import { inject, Injectable } from '@angular/core';
import { alertsControllerActive, alertsControllerResolved, type ActiveAlertsDto, type AlertDto } from '@tft/api-client';
import { API_CLIENT, callOptions } from '../core/api';

/** GET /alerts/active and /alerts/resolved. */
@Injectable({ providedIn: 'root' })
export class AlertsService {
  private readonly client = inject(API_CLIENT);

  async active(signal?: AbortSignal): Promise<ActiveAlertsDto> {
    return (await alertsControllerActive(callOptions(this.client, signal))).data;
  }

  async resolved(signal?: AbortSignal): Promise<AlertDto[]> {
    return (await alertsControllerResolved(callOptions(this.client, signal))).data;
  }
}
