import { METRICS } from '@tft/contracts';
import { isoSeconds, round2, round3, type ServerIncidentRisk } from '@tft/forecasting';
import type { NewForecast } from '../snapshot/forecast-snapshot';
import type { ModelKind } from '../model/model-provider';
import type { ForecastHighlights } from '../snapshot/forecast-highlights';

const ALL_METRICS: readonly number[] = METRICS.map((_, m) => m);
const numberText = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');
const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Display precision of the fleet and summary probabilities; the fleet aggregate uses the unrounded ones. */
const round4 = (p: number): number => Math.round(p * 1e4) / 1e4;

/**
 * One server's forecast as readers get it. Its quantile arrays are serialised once per forecast;
 * `current` and `trend`, which every sample into the open step moves between re-forecasts, are
 * composed in when the bytes are next read. After a full composition the quantile parts are views
 * into those bytes, so each forecast is held once.
 */
export class ServerForecast {
  readonly server: string;
  readonly profile: string | null;
  readonly model: ModelKind;
  readonly origin: number;
  readonly risk: ServerIncidentRisk;
  readonly highlights: ForecastHighlights;
  readonly warmup: { is_warmed_up: boolean; progress_percent: number };
  /** `current` per metric (rounded as sent, NaN sent as null). */
  readonly current = new Float64Array(METRICS.length);
  private readonly trend = new Float64Array(METRICS.length);
  /** p50 at the horizon per metric, as sent. */
  private readonly p50Last = new Float64Array(METRICS.length);
  private readonly horizonHours: number;
  /** Per metric: `"p10":[...],"p50":[...],"p90":[...]`. */
  private quantileParts: Buffer[];
  /** `"model":...,"drivers":...,"risk":...`: everything after the metrics. */
  private rest: Buffer;
  private composed: Buffer | null = null;

  constructor(f: NewForecast) {
    this.server = f.server;
    this.profile = f.profile;
    this.model = f.model;
    this.origin = f.origin;
    this.risk = f.risk;
    this.highlights = f.highlights;
    this.warmup = f.warmup;
    this.horizonHours = f.horizonHours;
    this.quantileParts = METRICS.map((metric, m) => {
      const q = f.quantiles[metric];
      const p50 = q.p50.map(round2);
      this.p50Last[m] = p50[p50.length - 1];
      return ascii(`"p10":${JSON.stringify(q.p10.map(round2))},"p50":${JSON.stringify(p50)},"p90":${JSON.stringify(q.p90.map(round2))}`);
    });
    const rest = JSON.stringify({
      model: f.model,
      ...(f.modelVersion ? { model_version: f.modelVersion } : {}),
      profile: f.profile,
      forecast_origin: isoSeconds(f.origin),
      drivers: f.drivers,
      risk: { ...f.risk, probability_30m: round4(f.risk.probability_30m), probability_8h: round4(f.risk.probability_8h) },
    });
    this.rest = Buffer.from(rest.slice(1, -1), 'utf8');
    this.setLatest(f.latest);
  }

  /** `current` = the newest step mean, `trend` = (p50 at the horizon - current) per hour. Returns whether either moved. */
  setLatest(latest: ArrayLike<number>): boolean {
    let moved = false;
    for (let m = 0; m < METRICS.length; m++) {
      const current = round3(latest[m]);
      const trend = round3((this.p50Last[m] - current) / this.horizonHours);
      if (Object.is(current, this.current[m]) && Object.is(trend, this.trend[m])) continue;
      this.current[m] = current;
      this.trend[m] = trend;
      moved = true;
    }
    if (moved) this.composed = null;
    return moved;
  }

  /** The ServerPrediction as JSON bytes, with only the metrics at these METRICS indexes when given. */
  json(metrics: readonly number[] = ALL_METRICS): Buffer {
    if (metrics === ALL_METRICS && this.composed) return this.composed;
    const parts: Buffer[] = [];
    const spans: [number, number][] = [];
    let length = 0;
    const push = (part: Buffer) => {
      parts.push(part);
      length += part.length;
    };
    push(ascii('{'));
    metrics.forEach((m, i) => {
      push(ascii(`${i ? ',' : ''}"${METRICS[m]}":{`));
      spans.push([length, length + this.quantileParts[m].length]);
      push(this.quantileParts[m]);
      push(ascii(`,"current":${numberText(this.current[m])},"trend":${numberText(this.trend[m])}}`));
    });
    const restAt = length + (metrics.length ? 1 : 0);
    push(ascii(metrics.length ? ',' : ''));
    push(this.rest);
    push(ascii('}'));
    const bytes = Buffer.concat(parts, length);
    if (metrics === ALL_METRICS) {
      this.quantileParts = spans.map(([from, to]) => bytes.subarray(from, to));
      this.rest = bytes.subarray(restAt, restAt + this.rest.length);
      this.composed = bytes;
    }
    return bytes;
  }
}
