import { inject, Injectable } from '@angular/core';
import {
  alertsControllerActive,
  alertsControllerResolved,
  type ActiveAlertsDto,
  type AlertDto,
} from '@tft/api-client';
import { API_CLIENT } from '../core/api';

/** GET /alerts/active and /alerts/resolved. */
@Injectable({ providedIn: 'root' })
export class AlertsService {
  private readonly client = inject(API_CLIENT);

  async active(signal?: AbortSignal): Promise<ActiveAlertsDto> {
    const { data } = await alertsControllerActive({
      client: this.client,
      signal,
      throwOnError: true,
    });
    return data;
  }

  async resolved(signal?: AbortSignal): Promise<AlertDto[]> {
    const { data } = await alertsControllerResolved({
      client: this.client,
      signal,
      throwOnError: true,
    });
    return data;
  }
}
