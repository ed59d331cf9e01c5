import type { Profile } from '@tft/contracts';

/** A smooth daily bump centred on `center` (hours, UTC) with width `width` hours; wraps midnight. */
export function bump(hour: number, center: number, width: number): number {
  let d = Math.abs(hour - center) % 24;
  if (d > 12) d = 24 - d;
  return Math.exp(-0.5 * (d / width) ** 2);
}

export interface ProfileParams {
  /** Share of a fleet. */
  weight: number;
  cores: readonly number[];
  cpuBase: number;
  /** Daily activity shape in 0..~1 by UTC hour: batch nights, business-hour peaks, end-of-day runs. */
  dailyShape: (hour: number) => number;
  /** How strongly the daily shape modulates cpu (fraction of the base). */
  cpuDailyAmplitude: number;
  /** Activity factor on Saturdays and Sundays. */
  weekendFactor: number;
  memoryBase: number;
  /** Memory points added at the daily peak. */
  memoryDailyAmplitude: number;
  diskStart: readonly [number, number];
  /** Slow disk growth, percentage points per day. */
  diskGrowthPerDay: readonly [number, number];
  /** Disk level that triggers a cleanup back into `diskStart`. */
  diskCleanupAt: readonly [number, number];
  /** Cpu noise: standard deviation (points) and correlation time (minutes) of the OU process. */
  cpuNoise: number;
  cpuNoiseTauMinutes: number;
  /** Memory leaks starting per day on a normal server. */
  leaksPerDay: number;
  /** States this profile can enter from `healthy` (beyond the common ones). */
  idleAtNight: boolean;
  morningSpikes: boolean;
}

export const PROFILE_PARAMS: Readonly<Record<Profile, ProfileParams>> = {
  ml_compute: {
    weight: 0.15,
    cores: [8, 16],
    cpuBase: 50,
    dailyShape: (h) => 0.6 * bump(h, 14, 4) + 0.8 * bump(h, 2, 3),
    cpuDailyAmplitude: 0.5,
    weekendFactor: 0.85,
    memoryBase: 68,
    memoryDailyAmplitude: 8,
    diskStart: [40, 60],
    diskGrowthPerDay: [0.5, 1.5],
    diskCleanupAt: [80, 88],
    cpuNoise: 6,
    cpuNoiseTauMinutes: 30,
    leaksPerDay: 0.08,
    idleAtNight: false,
    morningSpikes: false,
  },
  database: {
    weight: 0.15,
    // At most 12 cores: databases keep the default load thresholds, which 16 cores reach at half load.
    cores: [8, 12],
    cpuBase: 32,
    dailyShape: (h) => bump(h, 13, 4) + 0.7 * bump(h, 2, 1),
    cpuDailyAmplitude: 0.6,
    weekendFactor: 0.6,
    memoryBase: 82,
    memoryDailyAmplitude: 3,
    diskStart: [50, 70],
    diskGrowthPerDay: [0.3, 1.0],
    diskCleanupAt: [82, 90],
    cpuNoise: 4,
    cpuNoiseTauMinutes: 20,
    leaksPerDay: 0.02,
    idleAtNight: false,
    morningSpikes: true,
  },
  web_api: {
    weight: 0.25,
    cores: [4, 8],
    cpuBase: 30,
    dailyShape: (h) => bump(h, 14, 3.5) + 0.4 * bump(h, 20, 2),
    cpuDailyAmplitude: 0.9,
    weekendFactor: 0.55,
    memoryBase: 52,
    memoryDailyAmplitude: 10,
    diskStart: [25, 40],
    diskGrowthPerDay: [0.2, 0.6],
    diskCleanupAt: [70, 85],
    cpuNoise: 5,
    cpuNoiseTauMinutes: 10,
    leaksPerDay: 0.1,
    idleAtNight: true,
    morningSpikes: true,
  },
  conductor_mgmt: {
    weight: 0.1,
    cores: [4],
    cpuBase: 20,
    dailyShape: (h) => bump(h, 12, 5),
    cpuDailyAmplitude: 0.3,
    weekendFactor: 0.9,
    memoryBase: 45,
    memoryDailyAmplitude: 4,
    diskStart: [25, 40],
    diskGrowthPerDay: [0.1, 0.4],
    diskCleanupAt: [70, 85],
    cpuNoise: 2.5,
    cpuNoiseTauMinutes: 30,
    leaksPerDay: 0.05,
    idleAtNight: true,
    morningSpikes: false,
  },
  data_ingest: {
    weight: 0.15,
    cores: [8],
    cpuBase: 38,
    dailyShape: (h) => bump(h, 2, 2.5) + 0.5 * bump(h, 8, 2),
    cpuDailyAmplitude: 0.9,
    weekendFactor: 1.0,
    memoryBase: 58,
    memoryDailyAmplitude: 12,
    diskStart: [40, 60],
    diskGrowthPerDay: [1.5, 3.0],
    diskCleanupAt: [78, 88],
    cpuNoise: 6,
    cpuNoiseTauMinutes: 15,
    leaksPerDay: 0.08,
    idleAtNight: false,
    morningSpikes: false,
  },
  risk_analytics: {
    weight: 0.1,
    // As for databases: the default load thresholds apply.
    cores: [8, 12],
    cpuBase: 28,
    dailyShape: (h) => bump(h, 18.5, 1.5) + 0.3 * bump(h, 10, 3),
    cpuDailyAmplitude: 1.2,
    weekendFactor: 0.3,
    memoryBase: 58,
    memoryDailyAmplitude: 15,
    diskStart: [35, 55],
    diskGrowthPerDay: [0.4, 1.0],
    diskCleanupAt: [78, 88],
    cpuNoise: 5,
    cpuNoiseTauMinutes: 20,
    leaksPerDay: 0.05,
    idleAtNight: false,
    morningSpikes: false,
  },
  generic: {
    weight: 0.1,
    cores: [4],
    cpuBase: 25,
    dailyShape: (h) => bump(h, 13, 4),
    cpuDailyAmplitude: 0.4,
    weekendFactor: 0.8,
    memoryBase: 50,
    memoryDailyAmplitude: 5,
    diskStart: [30, 50],
    diskGrowthPerDay: [0.2, 0.6],
    diskCleanupAt: [75, 88],
    cpuNoise: 3,
    cpuNoiseTauMinutes: 20,
    leaksPerDay: 0.05,
    idleAtNight: true,
    morningSpikes: true,
  },
};
