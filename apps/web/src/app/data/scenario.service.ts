import { inject, Injectable } from '@angular/core';
import { generator } from '@tft/api-client';
import { GENERATOR_CLIENT } from '../core/api';

export type ScenarioName = generator.ScenarioSetDto['scenario'];
export type ScenarioStatus = generator.ScenarioStatusDto;
export type ScenarioSetResult = generator.ScenarioSetResponseDto;

/** The metrics generator's scenario control: GET /scenario/status, POST /scenario/set. */
@Injectable({ providedIn: 'root' })
export class ScenarioService {
  private readonly client = inject(GENERATOR_CLIENT);

  async status(signal?: AbortSignal): Promise<ScenarioStatus> {
    const { data } = await generator.scenariosControllerStatus({
      client: this.client,
      signal,
      throwOnError: true,
    });
    return data;
  }

  async set(scenario: ScenarioName): Promise<ScenarioSetResult> {
    const { data } = await generator.scenariosControllerSet({
      client: this.client,
      body: { scenario },
      throwOnError: true,
    });
    return data;
  }
}
