import { inject, Injectable } from '@angular/core';
import { healthControllerStatus, type StatusDto } from '@tft/api-client';
import { API_CLIENT, callOptions } from '../core/api';

/** GET /status: warmup, fleet readiness, inference settings and per-server buffers. */
@Injectable({ providedIn: 'root' })
export class StatusService {
  private readonly client = inject(API_CLIENT);

  async status(signal?: AbortSignal): Promise<StatusDto> {
    return (await healthControllerStatus(callOptions(this.client, signal))).data;
  }
}
