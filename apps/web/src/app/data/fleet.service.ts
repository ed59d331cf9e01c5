import { inject, Injectable } from '@angular/core';
import { fleetControllerSummary, type FleetSummaryDto } from '@tft/api-client';
import { API_BASE_URL, API_CLIENT, callOptions } from '../core/api';

/** GET /fleet/summary: every server in one compact entry, with the fleet's counts and risk. */
@Injectable({ providedIn: 'root' })
export class FleetService {
  private readonly client = inject(API_CLIENT);
  /** What the browser fetches, for the refresh's byte budget. */
  readonly summaryUrl = `${inject(API_BASE_URL)}/fleet/summary`;

  /**
   * The whole fleet in the api's risk order. Always the same URL, so the browser revalidates it with
   * its ETag (an unchanged pass costs a 304).
   */
  async summary(signal?: AbortSignal): Promise<FleetSummaryDto> {
    return (await fleetControllerSummary(callOptions(this.client, signal))).data;
  }
}
