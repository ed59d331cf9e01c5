import { inject, Injectable } from '@angular/core';
import { predictionsControllerCurrent, type PredictionsDto } from '@tft/api-client';
import { API_CLIENT, callOptions } from '../core/api';

/** GET /predictions/current: every server's cached forecast, fleet risk and model info. */
@Injectable({ providedIn: 'root' })
export class PredictionsService {
  private readonly client = inject(API_CLIENT);

  async current(signal?: AbortSignal): Promise<PredictionsDto> {
    return (await predictionsControllerCurrent(callOptions(this.client, signal))).data;
  }
}
