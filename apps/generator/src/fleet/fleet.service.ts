import { Inject, Injectable } from '@nestjs/common';
import type { ScenarioName } from '@tft/contracts';
import { GENERATOR_CONFIG, type GeneratorConfig } from '../config/generator-config';
import { CLOCK, type Clock } from '@tft/contracts';
import { FleetModel, type FleetSample } from './fleet-model';

/**
 * The live fleet and its simulated clock: simulated time runs `speed` times faster than the wall
 * clock from the moment the daemon started, starting at `startSeconds` (else at the wall clock), and
 * the backfill covers the history before that.
 */
@Injectable()
export class FleetService {
  readonly model: FleetModel;
  /** Simulated epoch seconds at which live streaming begins (the end of the backfill). */
  liveOrigin: number;
  /** Wall time (epoch s) at which simulated time stood at liveOrigin. */
  private wallOrigin: number;
  private readonly startedAt: number;

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
    this.startedAt = this.wallOrigin;
    this.liveOrigin = Math.floor((config.startSeconds ?? this.wallOrigin) / config.sampleSeconds) * config.sampleSeconds;
  }

  /** Current simulated time in epoch seconds. */
  simNow(): number {
    return this.liveOrigin + (this.clock.now() / 1000 - this.wallOrigin) * this.config.speed;
  }

  /**
   * Continues the simulated clock after data the api already holds: when that data ends after the wall
   * clock (an earlier accelerated run), live streaming restarts from its end instead of from now, so a
   * second start never streams into the past of its own history.
   */
  resumeAfter(storedUntil: number): void {
    const next = Math.floor(storedUntil / this.config.sampleSeconds) * this.config.sampleSeconds + this.config.sampleSeconds;
    if (next <= this.simNow()) return;
    this.liveOrigin = next;
    this.wallOrigin = this.clock.now() / 1000;
  }

  /** How far the simulated clock runs ahead of the wall clock, in seconds (declared to the api). */
  clockOffsetSeconds(): number {
    return Math.max(0, this.simNow() - this.clock.now() / 1000);
  }

  uptimeSeconds(): number {
    return this.clock.now() / 1000 - this.startedAt;
  }

  setScenario(name: ScenarioName): ScenarioName {
    return this.model.setScenario(name, this.simNow());
  }

  sampleAt(time: number): FleetSample[] {
    return this.model.sampleAt(time);
  }
}
