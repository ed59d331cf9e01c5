import { inject, Injectable } from '@angular/core';
import { predictionsControllerCurrent, type PredictionsDto } from '@tft/api-client';
import { API_BASE_URL, API_CLIENT, callOptions } from '../core/api';

/** GET /predictions/current narrowed to a few servers: their forecast curves, alerts and model info. */
@Injectable({ providedIn: 'root' })
export class PredictionsService {
  private readonly client = inject(API_CLIENT);
  readonly currentUrl = `${inject(API_BASE_URL)}/predictions/current`;

  /** Names sorted, so the same set is the same URL (and ETag) whatever order it comes in. */
  async ofServers(names: readonly string[], signal?: AbortSignal): Promise<PredictionsDto> {
    return (
      await predictionsControllerCurrent({
        ...callOptions(this.client, signal),
        query: { servers: [...names].sort().join(',') },
      })
    ).data;
  }
}
