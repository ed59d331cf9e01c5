import { inject, Injectable } from '@angular/core';
import { trackRecordControllerAccuracy, type AccuracyDto } from '@tft/api-client';
import { API_BASE_URL, API_CLIENT, callOptions } from '../core/api';

/** GET /accuracy: how the fleet's forecasts and alerts turned out over 24 h or 7 d. */
@Injectable({ providedIn: 'root' })
export class AccuracyService {
  private readonly client = inject(API_CLIENT);
  /** What the browser fetches, for the refresh's byte budget. */
  readonly url = `${inject(API_BASE_URL)}/accuracy`;

  async fleet(window: AccuracyDto['window'], signal?: AbortSignal): Promise<AccuracyDto> {
    return (await trackRecordControllerAccuracy({ ...callOptions(this.client, signal), query: { window } })).data;
  }
}
