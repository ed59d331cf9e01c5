import { METRICS, isScenarioName, type ScenarioName } from '@tft/contracts';
import { isoSeconds } from '@tft/forecasting';
import { FleetModel, type FleetSample } from '../fleet/fleet-model';

export interface ExportOptions {
  servers: number;
  hours: number;
  seed: number;
  /** Epoch seconds of the first step; aligned down to the step. */
  start: number;
  /** Rows are means over this many seconds of samples (the model's step). */
  stepSeconds: number;
  /** Cadence of the underlying samples, as the live stream would send them. */
  sampleSeconds: number;
  scenario: ScenarioName;
  /** Hours after `start` when `scenario` begins (ramped). */
  scenarioAtHours: number;
  /** Minutes the scenario takes to ramp in. */
  scenarioRampMinutes: number;
  /** Share of the fleet the scenario affects. */
  affectedShare: number;
}

export const EXPORT_COLUMNS = ['timestamp', 'server_name', ...METRICS, 'status', 'profile', 'scenario', 'incident'] as const;

export const DEFAULT_EXPORT_START = Date.UTC(2025, 0, 6) / 1000; // a Monday, so weeks line up

export function validateExportOptions(o: ExportOptions): string[] {
  const errors: string[] = [];
  const positiveInt = (name: string, v: number, max: number) => {
    if (!Number.isInteger(v) || v < 1 || v > max) errors.push(`${name} must be an integer in 1..${max} (got ${v})`);
  };
  positiveInt('servers', o.servers, 100000);
  positiveInt('step-seconds', o.stepSeconds, 86400);
  positiveInt('sample-seconds', o.sampleSeconds, 86400);
  if (!(o.hours > 0 && o.hours <= 24 * 366 * 5)) errors.push(`hours must be in (0, 43920] (got ${o.hours})`);
  if (!Number.isInteger(o.seed)) errors.push(`seed must be an integer (got ${o.seed})`);
  if (!Number.isFinite(o.start)) errors.push('start must be an ISO 8601 date-time with a zone, like 2025-01-06T00:00:00Z');
  if (o.stepSeconds % o.sampleSeconds !== 0) errors.push('step-seconds must be a multiple of sample-seconds');
  if (!(o.scenarioRampMinutes >= 0 && o.scenarioRampMinutes <= 10080))
    errors.push(`scenario-ramp-minutes must be in 0..10080 (got ${o.scenarioRampMinutes})`);
  if (!(o.affectedShare > 0 && o.affectedShare <= 1)) errors.push(`affected-share must be in (0, 1] (got ${o.affectedShare})`);
  if (!isScenarioName(o.scenario)) errors.push(`scenario must be one of healthy, degrading, critical, disk_fill, memory_leak`);
  return errors;
}

interface Bucket {
  sums: Float64Array;
  samples: number;
  last: FleetSample | null;
  incident: boolean;
}

/**
 * Writes a labelled dataset: one row per server and step holding the mean of that step's samples,
 * exactly what the api's window makes of a live stream. Offline steps have no row (a real gap).
 * Deterministic for a seed: byte-identical output.
 */
export function exportDataset(
  options: ExportOptions,
  write: (chunk: string) => void,
  onProgress: (fraction: number) => void = () => undefined,
): { rows: number } {
  const { stepSeconds, sampleSeconds } = options;
  const fleet = new FleetModel({
    servers: options.servers,
    seed: options.seed,
  });
  const start = Math.floor(options.start / stepSeconds) * stepSeconds;
  const steps = Math.round((options.hours * 3600) / stepSeconds);
  const scenarioAt = start + options.scenarioAtHours * 3600;
  let scenarioApplied = options.scenario === 'healthy';
  const buckets = new Map<string, Bucket>(
    fleet.servers.map((s) => [s.name, { sums: new Float64Array(4), samples: 0, last: null, incident: false }]),
  );

  write(EXPORT_COLUMNS.join(',') + '\n');
  let rows = 0;
  for (let step = 0; step < steps; step++) {
    const bucketStart = start + step * stepSeconds;
    for (let t = bucketStart; t < bucketStart + stepSeconds; t += sampleSeconds) {
      if (!scenarioApplied && t >= scenarioAt) {
        fleet.setScenario(options.scenario, t);
        scenarioApplied = true;
      }
      for (const sample of fleet.sampleAt(t)) {
        const b = buckets.get(sample.server.name) as Bucket;
        b.sums[0] += sample.cpu_percent;
        b.sums[1] += sample.memory_percent;
        b.sums[2] += sample.disk_percent;
        b.sums[3] += sample.load_average;
        b.samples++;
        b.last = sample;
        b.incident ||= sample.incident;
      }
    }
    const lines: string[] = [];
    const timestamp = isoSeconds(bucketStart);
    for (const server of fleet.servers) {
      const b = buckets.get(server.name) as Bucket;
      if (b.samples > 0 && b.last) {
        const mean = (i: number) => (b.sums[i] / b.samples).toFixed(3);
        const scenario = fleet.affected.has(server.name) ? fleet.scenarioName : 'healthy';
        lines.push(
          `${timestamp},${server.name},${mean(0)},${mean(1)},${mean(2)},${mean(3)},${b.last.state},${server.profile},${scenario},${b.incident ? 1 : 0}`,
        );
        rows++;
      }
      b.sums.fill(0);
      b.samples = 0;
      b.last = null;
      b.incident = false;
    }
    if (lines.length) write(lines.join('\n') + '\n');
    onProgress((step + 1) / steps);
  }
  return { rows };
}
