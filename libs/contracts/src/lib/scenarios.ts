/** Fleet scenarios switchable at runtime; multipliers are the seed's (1.0 / 1.15 / 1.6). */
export const SCENARIOS = [
  'healthy',
  'degrading',
  'critical',
  'disk_fill',
  'memory_leak',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioSpec {
  /** Load multiplier on cpu (and, damped, on memory) of the affected servers. */
  multiplier: number;
  /** Disk usage growth on affected servers, percentage points per hour. */
  diskGrowthPerHour: number;
  /** Memory growth on affected servers, percentage points per hour. */
  memoryGrowthPerHour: number;
  description: string;
}

export const SCENARIO_SPECS: Readonly<Record<ScenarioName, ScenarioSpec>> = {
  healthy: {
    multiplier: 1.0,
    diskGrowthPerHour: 0,
    memoryGrowthPerHour: 0,
    description: 'Normal operations',
  },
  degrading: {
    multiplier: 1.15,
    diskGrowthPerHour: 0,
    memoryGrowthPerHour: 0,
    description: 'Early warning signs: 15 % more load on the affected servers',
  },
  critical: {
    multiplier: 1.6,
    diskGrowthPerHour: 0,
    memoryGrowthPerHour: 0,
    description: 'Clear problems: 60 % more load on the affected servers',
  },
  disk_fill: {
    multiplier: 1.0,
    diskGrowthPerHour: 4,
    memoryGrowthPerHour: 0,
    description: 'Disks of the affected servers fill up (+4 points per hour)',
  },
  memory_leak: {
    multiplier: 1.0,
    diskGrowthPerHour: 0,
    memoryGrowthPerHour: 6,
    description:
      'Memory of the affected servers leaks (+6 points per hour) until restart',
  },
};

export function isScenarioName(value: unknown): value is ScenarioName {
  return (
    typeof value === 'string' &&
    (SCENARIOS as readonly string[]).includes(value)
  );
}
