import { METRICS } from '@tft/contracts';

/** The live numbers of a forecast: `current` and `trend` per metric, in METRICS order. */
export const LIVE_NUMBERS = METRICS.length * 2;

/** One metric as ServerPrediction serialises it; `current` and `trend` are the live numbers. */
export interface MetricJsonParts {
  p10: readonly number[];
  p50: readonly number[];
  p90: readonly number[];
  current: number;
  trend: number;
}

const numberText = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');

/**
 * One server's forecast as JSON bytes, with the byte span of each live number recorded, so that a
 * sample into the open step updates `current` and `trend` by rewriting those numbers while the next
 * body is copied together, instead of parsing and re-serialising every quantile of every streaming
 * server on each pass.
 */
export class ForecastJson {
  /** The ServerPrediction as JSON: after a body is built, a view into it. */
  json: Buffer;
  /** [start, end) in `json` of each live number: current then trend, per metric. */
  private readonly spans: Uint32Array;
  /** Text of the live numbers for the next write; null when `json` already holds them. */
  private pending: string[] | null = null;

  private constructor(json: Buffer, spans: Uint32Array) {
    this.json = json;
    this.spans = spans;
  }

  /**
   * `metrics` in METRICS order come first, as in ServerPrediction; `rest` is the object of the other
   * fields, appended after them.
   */
  static build(metrics: readonly MetricJsonParts[], rest: Record<string, unknown>): ForecastJson {
    // everything up to the last live number is ASCII (keys and numbers), so string offsets are byte offsets
    let text = '{';
    const spans = new Uint32Array(LIVE_NUMBERS * 2);
    const live = (k: number, x: number) => {
      spans[2 * k] = text.length;
      text += numberText(x);
      spans[2 * k + 1] = text.length;
    };
    metrics.forEach((m, i) => {
      text += `${i ? ',' : ''}"${METRICS[i]}":{"p10":${JSON.stringify(m.p10)},"p50":${JSON.stringify(m.p50)},"p90":${JSON.stringify(m.p90)},"current":`;
      live(2 * i, m.current);
      text += ',"trend":';
      live(2 * i + 1, m.trend);
      text += '}';
    });
    const tail = JSON.stringify(rest);
    text += tail.length > 2 ? `,${tail.slice(1)}` : '}';
    return new ForecastJson(Buffer.from(text, 'utf8'), spans);
  }

  /** Sets the live numbers (current then trend per metric) the next write puts in. */
  setLive(values: ArrayLike<number>): void {
    this.pending = Array.from({ length: LIVE_NUMBERS }, (_, k) => numberText(values[k]));
  }

  /** Bytes the next write takes. */
  get nextLength(): number {
    if (!this.pending) return this.json.length;
    let n = this.json.length;
    for (let k = 0; k < LIVE_NUMBERS; k++) n += this.pending[k].length - (this.spans[2 * k + 1] - this.spans[2 * k]);
    return n;
  }

  /**
   * Writes the JSON, with the live numbers set since the last write, at `out[offset]`; `json` then
   * points there (the previous bytes are not referenced any more). Returns the offset after it.
   */
  writeTo(out: Buffer, offset: number): number {
    const start = offset;
    if (!this.pending) {
      this.json.copy(out, offset);
      offset += this.json.length;
    } else {
      let from = 0;
      for (let k = 0; k < LIVE_NUMBERS; k++) {
        offset += this.json.copy(out, offset, from, this.spans[2 * k]);
        const s = offset - start;
        offset += out.write(this.pending[k], offset, 'latin1');
        from = this.spans[2 * k + 1];
        this.spans[2 * k] = s;
        this.spans[2 * k + 1] = offset - start;
      }
      offset += this.json.copy(out, offset, from);
      this.pending = null;
    }
    this.json = out.subarray(start, offset);
    return offset;
  }
}
