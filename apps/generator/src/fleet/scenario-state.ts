import { SCENARIO_SPECS, type ScenarioName } from '@tft/contracts';
import type { ScenarioEffect } from './server-sim';

type Magnitudes = Omit<ScenarioEffect, 'quiet'>;

const effectOf = (name: ScenarioName): Magnitudes => {
  const { multiplier, cpuFloor, diskGrowthPerHour, memoryGrowthPerHour } = SCENARIO_SPECS[name];
  return { multiplier, cpuFloor, diskGrowthPerHour, memoryGrowthPerHour };
};

/**
 * How long the affected set stays quiet after its ramp back to healthy: what a person sees after
 * "healthy" is the servers settling, not a natural incident that happens to start then.
 */
export const SETTLE_SECONDS = 2 * 3600;

const lerp = (a: number, b: number, f: number): number => a + (b - a) * f;

/**
 * The active scenario and its ramp. A change moves linearly from the effect in force at that instant
 * to the new scenario's effect over `rampSeconds` of simulated time, so nothing jumps. From a change
 * until SETTLE_SECONDS after the ramp back to healthy the scenario owns the affected set (`quiet`): its
 * servers show the scenario's effect, never a natural incident, leak or outage of their own.
 */
export class ScenarioState {
  private current: ScenarioName = 'healthy';
  private from: Magnitudes = effectOf('healthy');
  private rampStart = Number.NEGATIVE_INFINITY;

  constructor(private readonly rampSeconds: number) {}

  get name(): ScenarioName {
    return this.current;
  }

  set(name: ScenarioName, atTime: number): ScenarioName {
    const previous = this.current;
    this.from = this.effectAt(atTime);
    this.current = name;
    this.rampStart = atTime;
    return previous;
  }

  /** The effect on an affected server at `time` (simulated epoch seconds). */
  effectAt(time: number): ScenarioEffect {
    const to = effectOf(this.current);
    const f = this.rampSeconds <= 0 ? 1 : Math.min(1, Math.max(0, (time - this.rampStart) / this.rampSeconds));
    const owned =
      time >= this.rampStart && (this.current !== 'healthy' || time < this.rampStart + Math.max(0, this.rampSeconds) + SETTLE_SECONDS);
    return {
      quiet: owned,
      multiplier: lerp(this.from.multiplier, to.multiplier, f),
      cpuFloor: lerp(this.from.cpuFloor, to.cpuFloor, f),
      diskGrowthPerHour: lerp(this.from.diskGrowthPerHour, to.diskGrowthPerHour, f),
      memoryGrowthPerHour: lerp(this.from.memoryGrowthPerHour, to.memoryGrowthPerHour, f),
    };
  }
}
