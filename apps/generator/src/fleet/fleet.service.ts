import { Inject, Injectable } from '@nestjs/common';
import type { ScenarioName } from '@tft/contracts';
import {
  GENERATOR_CONFIG,
  type GeneratorConfig,
} from '../config/generator-config';
import { CLOCK, type Clock } from '@tft/contracts';
import { FleetModel, type FleetSample } from './fleet-model';

/**
 * The live fleet and its simulated clock: simulated time runs `speed` times faster than the wall
 * clock from the moment the daemon started, and the backfill covers the history before that.
 */
@Injectable()
export class FleetService {
  readonly model: FleetModel;
  /** Simulated epoch seconds at which live streaming begins (the end of the backfill). */
  readonly liveOrigin: number;
  private readonly wallOrigin: number;

  constructor(
    @Inject(GENERATOR_CONFIG) private readonly config: GeneratorConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.model = new FleetModel({
      servers: config.servers,
      seed: config.seed,
      scenarioRampSeconds: config.scenarioRampSeconds,
    });
    this.wallOrigin = clock.now() / 1000;
    this.liveOrigin =
      Math.floor(this.wallOrigin / config.sampleSeconds) * config.sampleSeconds;
  }

  /** Current simulated time in epoch seconds. */
  simNow(): number {
    return (
      this.liveOrigin +
      (this.clock.now() / 1000 - this.wallOrigin) * this.config.speed
    );
  }

  uptimeSeconds(): number {
    return this.clock.now() / 1000 - this.wallOrigin;
  }

  setScenario(name: ScenarioName): ScenarioName {
    return this.model.setScenario(name, this.simNow());
  }

  sampleAt(time: number): FleetSample[] {
    return this.model.sampleAt(time);
  }
}
