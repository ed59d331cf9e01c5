import { SCENARIO_SPECS, type ScenarioName } from '@tft/contracts';
import type { ScenarioEffect } from './server-sim';

const effectOf = (name: ScenarioName): ScenarioEffect => {
  const { multiplier, cpuFloor, diskGrowthPerHour, memoryGrowthPerHour } = SCENARIO_SPECS[name];
  return { multiplier, cpuFloor, diskGrowthPerHour, memoryGrowthPerHour };
};

const lerp = (a: number, b: number, f: number): number => a + (b - a) * f;

/**
 * The active scenario and its ramp. A change moves linearly from the effect in force at that instant
 * to the new scenario's effect over `rampSeconds` of simulated time, so nothing jumps.
 */
export class ScenarioState {
  private current: ScenarioName = 'healthy';
  private from: ScenarioEffect = effectOf('healthy');
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
    return {
      multiplier: lerp(this.from.multiplier, to.multiplier, f),
      cpuFloor: lerp(this.from.cpuFloor, to.cpuFloor, f),
      diskGrowthPerHour: lerp(this.from.diskGrowthPerHour, to.diskGrowthPerHour, f),
      memoryGrowthPerHour: lerp(this.from.memoryGrowthPerHour, to.memoryGrowthPerHour, f),
    };
  }
}
