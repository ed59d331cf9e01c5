import { PROFILES, PROFILE_PREFIXES, SCENARIO_SPECS, type Profile, type ScenarioName } from '@tft/contracts';
import { PROFILE_PARAMS } from './profile-params';
import { SeededRandom } from './random';
import { ScenarioState } from './scenario-state';
import { NO_EFFECT, ServerSim, type Sample, type ServerIdentity } from './server-sim';

export interface FleetOptions {
  servers: number;
  seed: number;
  /** Ramp time of scenario changes, in simulated seconds. */
  scenarioRampSeconds?: number;
  /** Share of the fleet a scenario affects (at least one server). */
  affectedShare?: number;
}

export type FleetSample = Sample;

/** Splits `total` servers over the profiles by weight (largest remainder), deterministically. */
export function profileSplit(total: number): Record<Profile, number> {
  const exact = PROFILES.map((p) => PROFILE_PARAMS[p].weight * total);
  const counts = exact.map(Math.floor);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; counts.reduce((s, c) => s + c, 0) < total; k++) counts[order[k % order.length].i]++;
  return Object.fromEntries(PROFILES.map((p, i) => [p, counts[i]])) as Record<Profile, number>;
}

/**
 * A simulated fleet: servers named like the original (`ppml0001`), a stable seeded set of servers that
 * scenarios affect, and sampling at any cadence. Pure: time is passed in, randomness is seeded.
 */
export class FleetModel {
  readonly servers: ServerIdentity[];
  /** The servers a non-healthy scenario acts on; fixed for the fleet's lifetime. */
  readonly affected: ReadonlySet<string>;
  private readonly sims: ServerSim[];
  /** Parallel to `sims`: whether each server is in the affected set (a Set lookup per sample is slow). */
  private readonly simAffected: boolean[];
  private readonly scenario: ScenarioState;

  constructor(options: FleetOptions) {
    const split = profileSplit(options.servers);
    this.sims = PROFILES.flatMap((profile) =>
      Array.from({ length: split[profile] }, (_, i) => {
        const name = `${PROFILE_PREFIXES[profile]}${String(i + 1).padStart(4, '0')}`;
        return new ServerSim(name, profile, new SeededRandom(options.seed, name), new SeededRandom(options.seed, `${name}/events`));
      }),
    );
    this.servers = this.sims.map((s) => s.identity);
    this.scenario = new ScenarioState(options.scenarioRampSeconds ?? 600);

    const shuffle = new SeededRandom(options.seed, 'scenario-affected-set');
    const names = this.servers.map((s) => s.name);
    for (let i = names.length - 1; i > 0; i--) {
      const j = Math.floor(shuffle.next() * (i + 1));
      [names[i], names[j]] = [names[j], names[i]];
    }
    const count = Math.max(1, Math.round((options.affectedShare ?? 0.15) * names.length));
    this.affected = new Set(names.slice(0, count).sort());
    this.simAffected = this.sims.map((s) => this.affected.has(s.identity.name));
  }

  get scenarioName(): ScenarioName {
    return this.scenario.name;
  }

  get multiplier(): number {
    return SCENARIO_SPECS[this.scenario.name].multiplier;
  }

  /** Switches scenario at simulated `time`; returns the previous one. */
  setScenario(name: ScenarioName, time: number): ScenarioName {
    return this.scenario.set(name, time);
  }

  /** Samples every server at `time`; times must increase from call to call. Offline servers are absent. */
  sampleAt(time: number): FleetSample[] {
    const effect = this.scenario.effectAt(time);
    const out: FleetSample[] = [];
    for (let i = 0; i < this.sims.length; i++) {
      const sample = this.sims[i].step(time, this.simAffected[i] ? effect : NO_EFFECT);
      if (sample) out.push(sample);
    }
    return out;
  }
}
