import { inject, Injectable } from '@angular/core';
import { healthControllerHealth, type HealthDto } from '@tft/api-client';
import { API_CLIENT, callOptions } from '../core/api';

/** GET /health: the model the api runs (or why it has none) and its device. */
@Injectable({ providedIn: 'root' })
export class HealthService {
  private readonly client = inject(API_CLIENT);

  async health(signal?: AbortSignal): Promise<HealthDto> {
    return (await healthControllerHealth(callOptions(this.client, signal))).data;
  }
}
