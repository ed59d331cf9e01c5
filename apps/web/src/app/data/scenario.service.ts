import { inject, Injectable } from '@angular/core';
import { generator } from '@tft/api-client';
import { GENERATOR_CLIENT, callOptions } from '../core/api';

export type ScenarioName = generator.ScenarioSetDto['scenario'];
export type ScenarioStatus = generator.ScenarioStatusDto;
export type ScenarioSetResult = generator.ScenarioSetResponseDto;

/** The metrics generator's scenario control: GET /scenario/status, POST /scenario/set. */
@Injectable({ providedIn: 'root' })
export class ScenarioService {
  private readonly client = inject(GENERATOR_CLIENT);

  async status(signal?: AbortSignal): Promise<ScenarioStatus> {
    return (await generator.scenariosControllerStatus(callOptions(this.client, signal))).data;
  }

  async set(scenario: ScenarioName): Promise<ScenarioSetResult> {
    return (
      await generator.scenariosControllerSet({
        ...callOptions(this.client),
        body: { scenario },
      })
    ).data;
  }
}
