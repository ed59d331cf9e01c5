import { DEFAULT_ALERT_THRESHOLDS } from './metrics';

/** Fleet scenarios switchable at runtime; multipliers are the seed's (1.0 / 1.15 / 1.6). */
export const SCENARIOS = ['healthy', 'degrading', 'critical', 'disk_fill', 'memory_leak'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioSpec {
  /** Load multiplier on cpu (and, damped, on memory) of the affected servers. */
  multiplier: number;
  /**
   * Cpu level (percent) the affected servers are held at or above; 0 for none. The multiplier alone
   * cannot tell the story: 1.6 times a 30 % web server is 48 %, nowhere near an alert, so the
   * degrading and critical scenarios also saturate the cpu, between the default warning and critical
   * thresholds and above critical respectively (cpu thresholds are the same for every profile).
   */
  cpuFloor: number;
  /** Disk usage growth on affected servers, percentage points per hour. */
  diskGrowthPerHour: number;
  /** Memory growth on affected servers, percentage points per hour. */
  memoryGrowthPerHour: number;
  description: string;
}

const CPU = DEFAULT_ALERT_THRESHOLDS.cpu_percent;

export const SCENARIO_SPECS: Readonly<Record<ScenarioName, ScenarioSpec>> = {
  healthy: {
    multiplier: 1.0,
    cpuFloor: 0,
    diskGrowthPerHour: 0,
    memoryGrowthPerHour: 0,
    description: 'Normal operations: the affected servers recover (leaks restarted, disks cleaned up)',
  },
  degrading: {
    multiplier: 1.15,
    cpuFloor: (CPU.warning + CPU.critical) / 2,
    diskGrowthPerHour: 0,
    memoryGrowthPerHour: 0,
    description: 'Early warning signs: 15 % more load on the affected servers, cpu in the warning band',
  },
  critical: {
    multiplier: 1.6,
    cpuFloor: CPU.critical + 3,
    diskGrowthPerHour: 0,
    memoryGrowthPerHour: 0,
    description: 'Clear problems: 60 % more load on the affected servers, cpu saturated above critical',
  },
  disk_fill: {
    multiplier: 1.0,
    cpuFloor: 0,
    diskGrowthPerHour: 15,
    memoryGrowthPerHour: 0,
    description: 'Disks of the affected servers fill up (+15 points per hour) until cleaned up',
  },
  memory_leak: {
    multiplier: 1.0,
    cpuFloor: 0,
    diskGrowthPerHour: 0,
    memoryGrowthPerHour: 10,
    description: 'Memory of the affected servers leaks (+10 points per hour) until restart',
  },
};

export function isScenarioName(value: unknown): value is ScenarioName {
  return typeof value === 'string' && (SCENARIOS as readonly string[]).includes(value);
}
