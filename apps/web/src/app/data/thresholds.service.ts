import { inject, Injectable } from '@angular/core';
import { alertsControllerThresholds, type ThresholdsDto } from '@tft/api-client';
import { API_CLIENT } from '../core/api';

/** GET /alerts/thresholds: fixed while the api runs, so fetched once (again after a failure). */
@Injectable({ providedIn: 'root' })
export class ThresholdsService {
  private readonly client = inject(API_CLIENT);
  private table: Promise<ThresholdsDto> | null = null;

  inEffect(signal?: AbortSignal): Promise<ThresholdsDto> {
    this.table ??= alertsControllerThresholds({
      client: this.client,
      signal,
      throwOnError: true,
    }).then(
      ({ data }) => data,
      (err: unknown) => {
        this.table = null;
        throw err;
      },
    );
    return this.table;
  }
}
