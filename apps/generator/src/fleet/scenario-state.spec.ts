import { SCENARIO_SPECS } from '@tft/contracts';
import { describe, expect, it } from 'vitest';
import { ScenarioState, SETTLE_SECONDS } from './scenario-state';

describe('ScenarioState', () => {
  it('ramps linearly from the effect in force to the new scenario', () => {
    const state = new ScenarioState(600);
    expect(state.set('critical', 1000)).toBe('healthy');
    expect(state.effectAt(999).multiplier).toBe(1);
    expect(state.effectAt(1300).multiplier).toBeCloseTo(1.3, 10);
    expect(state.effectAt(1600).multiplier).toBeCloseTo(1.6, 10);
    expect(state.effectAt(5000).multiplier).toBeCloseTo(1.6, 10);
    expect(state.effectAt(1300).cpuFloor).toBeCloseTo(SCENARIO_SPECS.critical.cpuFloor / 2, 10);
  });

  it('starts a new ramp from mid-ramp values, never jumping', () => {
    const state = new ScenarioState(600);
    state.set('critical', 0);
    state.set('degrading', 300); // multiplier was 1.3 here
    expect(state.effectAt(300).multiplier).toBeCloseTo(1.3, 10);
    expect(state.effectAt(600).multiplier).toBeCloseTo(1.225, 10);
    expect(state.effectAt(900).multiplier).toBeCloseTo(1.15, 10);
    state.set('disk_fill', 900);
    expect(state.effectAt(1200)).toEqual({
      quiet: true,
      multiplier: 1.075,
      cpuFloor: SCENARIO_SPECS.degrading.cpuFloor / 2,
      diskGrowthPerHour: SCENARIO_SPECS.disk_fill.diskGrowthPerHour / 2,
      memoryGrowthPerHour: 0,
    });
  });

  it('owns the affected set from a change until the servers have settled after healthy', () => {
    const state = new ScenarioState(600);
    expect(state.effectAt(0).quiet).toBe(false); // never changed: the servers live their own lives
    state.set('critical', 1000);
    expect(state.effectAt(999).quiet).toBe(false);
    expect(state.effectAt(1000).quiet).toBe(true);
    expect(state.effectAt(50_000).quiet).toBe(true); // for as long as the scenario plays
    state.set('healthy', 50_000);
    expect(state.effectAt(50_000 + 600 + SETTLE_SECONDS - 1).quiet).toBe(true);
    expect(state.effectAt(50_000 + 600 + SETTLE_SECONDS).quiet).toBe(false);
  });
});
