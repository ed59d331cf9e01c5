import type { Profile, ServerState } from '@tft/contracts';
import { PROFILE_PARAMS, type ProfileParams } from './profile-params';
import type { RandomSource } from './random';

/** What the scenario does to one affected server at one instant (already ramped). */
export interface ScenarioEffect {
  multiplier: number;
  /** Cpu level the server is held at or above (saturation); 0 for none. */
  cpuFloor: number;
  diskGrowthPerHour: number;
  memoryGrowthPerHour: number;
  /** The scenario owns the server: its natural state machine and leaks are held at healthy. */
  quiet: boolean;
}

export const NO_EFFECT: ScenarioEffect = {
  quiet: false,
  multiplier: 1,
  cpuFloor: 0,
  diskGrowthPerHour: 0,
  memoryGrowthPerHour: 0,
};

export interface Sample {
  server: ServerIdentity;
  /** Epoch seconds. */
  time: number;
  cpu_percent: number;
  memory_percent: number;
  disk_percent: number;
  load_average: number;
  state: ServerState;
  incident: boolean;
}

interface StateSpec {
  cpuFactor: number;
  /**
   * Whether the state's extra cpu can saturate the box. Busy states queue their work, so what they add
   * shrinks as the headroom does and a busy batch box stays short of saturation; an incident (runaway
   * processes) takes all the cpu it asks for.
   */
  saturates: boolean;
  memoryOffset: number;
  /** Mean dwell time in minutes (exponential); 0 for `healthy`, which is left by hazards. */
  dwellMinutes: number;
  /** Where the state goes when its dwell ends. */
  next: ServerState;
}

const STATE_SPECS: Readonly<Record<ServerState, StateSpec>> = {
  idle: {
    cpuFactor: 0.45,
    saturates: false,
    memoryOffset: -5,
    dwellMinutes: 120,
    next: 'healthy',
  },
  healthy: {
    cpuFactor: 1,
    saturates: false,
    memoryOffset: 0,
    dwellMinutes: 0,
    next: 'healthy',
  },
  morning_spike: {
    cpuFactor: 1.5,
    saturates: false,
    memoryOffset: 5,
    dwellMinutes: 50,
    next: 'healthy',
  },
  heavy_load: {
    cpuFactor: 1.7,
    saturates: false,
    memoryOffset: 8,
    dwellMinutes: 45,
    next: 'healthy',
  },
  critical_issue: {
    cpuFactor: 2.3,
    saturates: true,
    memoryOffset: 20,
    dwellMinutes: 20,
    next: 'recovery',
  },
  maintenance: {
    cpuFactor: 0.3,
    saturates: false,
    memoryOffset: -10,
    dwellMinutes: 60,
    next: 'recovery',
  },
  recovery: {
    cpuFactor: 1.2,
    saturates: false,
    memoryOffset: 3,
    dwellMinutes: 30,
    next: 'healthy',
  },
  offline: {
    cpuFactor: 0,
    saturates: false,
    memoryOffset: 0,
    dwellMinutes: 15,
    next: 'recovery',
  },
};

/**
 * Hazards out of `healthy`, per hour. Problem servers get `PROBLEM_FACTOR` times the incident rates.
 * Incidents are rare and short, as on a fleet someone runs well: a demo fleet that always has a box
 * at 100 % cpu does not look healthy to anyone.
 */
const HAZARD_PER_HOUR = {
  heavy_load: 0.03,
  critical_issue: 0.0015,
  maintenance: 0.002,
  offline: 0.0015,
  idle: 0.35,
  morning_spike: 0.35,
};
const PROBLEM_FACTOR = 4;
/** Chance that heavy load tips into an incident when it ends. */
const HEAVY_TO_CRITICAL = 0.05;

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/** Memory above this level fills ever more slowly: the kernel reclaims caches before it runs out. */
const MEMORY_KNEE = 90;

/** Smooth (slope 1 at the knee) saturation of memory demand towards 100 %, so memory is never pinned at 100. */
function saturateMemory(demand: number): number {
  if (demand <= MEMORY_KNEE) return demand;
  const room = 100 - MEMORY_KNEE;
  return MEMORY_KNEE + room * (1 - Math.exp(-(demand - MEMORY_KNEE) / room));
}

/** Natural leaks are restarted by operators somewhere in this band of memory in use. */
const LEAK_RESTART_BAND: readonly [number, number] = [88, 97];
/** The out-of-memory killer's level: where a scenario's leak ends in a restart. */
const OOM_RESTART = 98;

export interface ServerIdentity {
  name: string;
  profile: Profile;
  cores: number;
  /** About 10 % of servers are incident-prone. */
  problem: boolean;
}

/**
 * One simulated host. Stateful and sequential: `step` must be called with increasing times. All its
 * randomness comes from its own sources, so servers are independent and reproducible one by one:
 * `random` for its traits and noise, `events` for its state changes, leaks and cleanups. A scenario
 * that holds the events back leaves the noise as it would have been.
 */
export class ServerSim {
  readonly identity: ServerIdentity;
  private readonly params: ProfileParams;
  private readonly cpuScale: number;
  private readonly memoryBase: number;
  private readonly phaseHours: number;
  private readonly diskGrowthPerSecond: number;
  private readonly diskCleanupAt: number;
  private readonly leakRatePerDay: number;

  private state: ServerState = 'healthy';
  private stateFactor = 1;
  /** Blended `saturates` of the recent states, 0..1. */
  private stateSaturation = 0;
  private memoryStateOffset = 0;
  private cpuNoise = 0;
  private memoryNoise = 0;
  private disk: number;
  /** Disk filled by a scenario, on top of `disk`; deleted again as the scenario ramps out. */
  private scenarioDisk = 0;
  private leak = 0;
  private leakPerHour = 0;
  /** Memory level at which the running natural leak gets its restart. */
  private leakRestartAt = OOM_RESTART;
  /** Memory leaked by a scenario, on top of `leak`. */
  private scenarioLeak = 0;
  /** The scenario growth rates of the previous step: a falling rate means the scenario is ramping out. */
  private lastMemoryGrowth = 0;
  private lastDiskGrowth = 0;
  private load = 0;
  private lastTime: number | null = null;

  constructor(
    name: string,
    profile: Profile,
    private readonly random: RandomSource,
    private readonly events: RandomSource,
  ) {
    this.params = PROFILE_PARAMS[profile];
    const p = this.params;
    this.identity = {
      name,
      profile,
      cores: random.pick(p.cores),
      problem: random.next() < 0.1,
    };
    this.cpuScale = random.uniform(0.8, 1.2);
    this.memoryBase = p.memoryBase + random.uniform(-6, 6);
    this.phaseHours = random.uniform(-0.75, 0.75);
    this.disk = random.uniform(p.diskStart[0], p.diskStart[1]);
    this.diskGrowthPerSecond = random.uniform(p.diskGrowthPerDay[0], p.diskGrowthPerDay[1]) / 86400;
    this.diskCleanupAt = random.uniform(p.diskCleanupAt[0], p.diskCleanupAt[1]);
    this.leakRatePerDay = p.leaksPerDay * (this.identity.problem ? 4 : 1);
    this.cpuNoise = random.normal() * p.cpuNoise;
    this.load = (this.identity.cores * p.cpuBase) / 100;
  }

  /** Advances to `time` (epoch seconds) and samples; `null` while the server is offline. */
  step(time: number, effect: ScenarioEffect = NO_EFFECT): Sample | null {
    const dt = this.lastTime === null ? 0 : time - this.lastTime;
    this.lastTime = time;
    const r = this.random;
    const p = this.params;
    const hour = (((time / 3600 + this.phaseHours) % 24) + 24) % 24;
    const weekday = (Math.floor(time / 86400) + 3) % 7; // 0 = Monday (1970-01-01 was a Thursday)
    const weekend = weekday >= 5;

    if (effect.quiet) this.holdHealthy();
    else this.advanceState(dt, hour, weekend);
    if (this.state === 'offline') return null;

    const spec = STATE_SPECS[this.state];
    // States blend in over a couple of minutes instead of jumping between samples.
    const blend = 1 - Math.exp(-dt / 120);
    this.stateFactor += (spec.cpuFactor - this.stateFactor) * blend;
    this.stateSaturation += ((spec.saturates ? 1 : 0) - this.stateSaturation) * blend;
    this.memoryStateOffset += (spec.memoryOffset - this.memoryStateOffset) * blend;

    // Ornstein-Uhlenbeck noise, exact for any dt, so 5 s and 300 s sampling agree statistically.
    const phiCpu = Math.exp(-dt / (p.cpuNoiseTauMinutes * 60));
    this.cpuNoise = this.cpuNoise * phiCpu + p.cpuNoise * Math.sqrt(1 - phiCpu * phiCpu) * r.normal();
    const phiMem = Math.exp(-dt / 3600);
    this.memoryNoise = this.memoryNoise * phiMem + 1.5 * Math.sqrt(1 - phiMem * phiMem) * r.normal();

    const activity = p.dailyShape(hour);
    const weekly = weekend ? p.weekendFactor : 1;
    const cpuMean = p.cpuBase * this.cpuScale * (1 + p.cpuDailyAmplitude * (activity - 0.35)) * weekly;
    const white = r.normal();
    const base = cpuMean * effect.multiplier;
    const extra = base * (this.stateFactor - 1);
    const headroom = Math.max(0, 100 - base);
    const queued = extra > 0 ? (extra * headroom) / (extra + headroom) : extra;
    const demand = base + queued + (extra - queued) * this.stateSaturation + this.cpuNoise + 0.25 * p.cpuNoise * white;
    // A saturating scenario holds the cpu near its floor with a small jitter, whatever the profile.
    const floor = effect.cpuFloor > 0 ? effect.cpuFloor + 0.25 * (this.cpuNoise / p.cpuNoise) + 0.5 * white : 0;
    const cpu = clamp(Math.max(demand, floor), 0, 100);

    const memoryLevel =
      this.memoryBase * (1 + 0.6 * (effect.multiplier - 1)) +
      p.memoryDailyAmplitude * activity * weekly +
      this.memoryStateOffset +
      this.memoryNoise;
    this.advanceLeak(dt, effect, memoryLevel);
    const memory = clamp(saturateMemory(memoryLevel + this.leak + this.scenarioLeak), 0, 100);

    this.advanceDisk(dt, effect);
    const disk = clamp(this.disk + this.scenarioDisk + 0.05 * r.normal(), 0, 100);

    // Load follows cpu through the kernel's 1-minute exponential average; incidents add I/O wait.
    const ioWait = this.state === 'critical_issue' ? 1.4 : 1;
    const loadTarget = Math.max(0, (this.identity.cores * cpu * ioWait) / 100 + 0.15 * r.normal());
    this.load += (loadTarget - this.load) * (1 - Math.exp(-dt / 60));

    return {
      server: this.identity,
      time,
      cpu_percent: cpu,
      memory_percent: memory,
      disk_percent: disk,
      load_average: Math.max(0, this.load),
      state: this.state,
      incident: this.state === 'critical_issue',
    };
  }

  /** Ends whatever the server was doing on its own, as an operator taking over would: incident, outage, leak. */
  private holdHealthy(): void {
    this.state = 'healthy';
    this.leak = 0;
    this.leakPerHour = 0;
  }

  private advanceState(dt: number, hour: number, weekend: boolean): void {
    if (dt <= 0) return;
    const r = this.events;
    const hours = dt / 3600;
    if (this.state === 'healthy') {
      // One draw against the summed hazard, a second only to pick which state was entered.
      const incidentScale = this.identity.problem ? PROBLEM_FACTOR : 1;
      const heavy = HAZARD_PER_HOUR.heavy_load * (this.identity.problem ? 2 : 1);
      const critical = HAZARD_PER_HOUR.critical_issue * incidentScale;
      const maintenance = HAZARD_PER_HOUR.maintenance;
      const offline = HAZARD_PER_HOUR.offline * incidentScale;
      const idle = this.params.idleAtNight && (hour < 5 || hour >= 23) ? HAZARD_PER_HOUR.idle : 0;
      const spike = this.params.morningSpikes && !weekend && hour >= 7 && hour < 10 ? HAZARD_PER_HOUR.morning_spike : 0;
      const total = heavy + critical + maintenance + offline + idle + spike;
      if (r.next() >= 1 - Math.exp(-total * hours)) return;
      let pick = r.next() * total;
      const choices: [ServerState, number][] = [
        ['heavy_load', heavy],
        ['critical_issue', critical],
        ['maintenance', maintenance],
        ['offline', offline],
        ['idle', idle],
        ['morning_spike', spike],
      ];
      for (const [state, rate] of choices) {
        pick -= rate;
        if (pick < 0) {
          this.state = state;
          return;
        }
      }
      return;
    }
    const spec = STATE_SPECS[this.state];
    if (r.next() < 1 - Math.exp(-dt / (spec.dwellMinutes * 60))) {
      const tipOver = this.state === 'heavy_load' && r.next() < HEAVY_TO_CRITICAL * (this.identity.problem ? 3 : 1);
      this.state = tipOver ? 'critical_issue' : spec.next;
    }
  }

  /**
   * Memory leaks grow as a sawtooth until the process is restarted: a natural leak when memory reaches
   * a level drawn in `LEAK_RESTART_BAND` (operators react to the alert), a scenario's leak at the OOM
   * killer's level. A scenario that ramps out takes its leaked memory with it (the fix is a restart).
   */
  private advanceLeak(dt: number, effect: ScenarioEffect, memoryLevel: number): void {
    if (dt <= 0) return;
    const growth = effect.memoryGrowthPerHour;
    if (growth < this.lastMemoryGrowth) {
      const kept = growth / this.lastMemoryGrowth;
      this.scenarioLeak *= kept;
      this.leak *= kept;
      if (this.leak === 0) this.leakPerHour = 0;
    }
    this.lastMemoryGrowth = growth;
    if (!effect.quiet && this.leakPerHour === 0 && this.events.next() < 1 - Math.exp((-this.leakRatePerDay * dt) / 86400)) {
      this.leakPerHour = this.events.uniform(1.5, 5);
      this.leakRestartAt = Math.min(
        OOM_RESTART,
        Math.max(this.events.uniform(LEAK_RESTART_BAND[0], LEAK_RESTART_BAND[1]), saturateMemory(memoryLevel) + 4),
      );
    }
    this.leak += (this.leakPerHour * dt) / 3600;
    this.scenarioLeak += (growth * dt) / 3600;
    if (this.leak + this.scenarioLeak <= 0) return;
    const restartAt = growth > 0 || this.leakPerHour === 0 ? OOM_RESTART : this.leakRestartAt;
    if (saturateMemory(memoryLevel + this.leak + this.scenarioLeak) >= restartAt) {
      this.leak = 0;
      this.leakPerHour = 0;
      this.scenarioLeak = 0;
      this.state = 'recovery';
    }
  }

  /**
   * Disk usage creeps up and is cleaned up near a per-server level, unless a disk-fill scenario runs;
   * what a scenario wrote is deleted as it ramps out.
   */
  private advanceDisk(dt: number, effect: ScenarioEffect): void {
    if (dt <= 0) return;
    const growth = effect.diskGrowthPerHour;
    if (growth < this.lastDiskGrowth) this.scenarioDisk *= growth / this.lastDiskGrowth;
    this.lastDiskGrowth = growth;
    this.disk = Math.min(100, this.disk + this.diskGrowthPerSecond * dt);
    // A full disk takes no more: nothing piles up out of sight that a cleanup would have to work off.
    this.scenarioDisk = Math.min(100 - this.disk, this.scenarioDisk + (growth * dt) / 3600);
    const filling = growth > 0;
    if (!filling && this.disk > this.diskCleanupAt && this.events.next() < 1 - Math.exp(-dt / 1800)) {
      this.disk = this.events.uniform(this.params.diskStart[0], this.params.diskStart[1]);
    }
  }
}
