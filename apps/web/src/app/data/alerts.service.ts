import { inject, Injectable } from '@angular/core';
import { alertsControllerActive, type ActiveAlertsDto } from '@tft/api-client';
import { API_BASE_URL, API_CLIENT, callOptions } from '../core/api';

/** GET /alerts/active: the firing alerts (ETag, so an unchanged refetch is a 304). */
@Injectable({ providedIn: 'root' })
export class AlertsService {
  private readonly client = inject(API_CLIENT);
  readonly activeUrl = `${inject(API_BASE_URL)}/alerts/active`;

  async active(signal?: AbortSignal): Promise<ActiveAlertsDto> {
    return (await alertsControllerActive(callOptions(this.client, signal))).data;
  }
}
