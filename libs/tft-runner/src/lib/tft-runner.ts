import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  ablatedInputs,
  attributionsOf,
  buildModelInputs,
  decodeWeights,
  quantileDecoder,
  N_TIME_FEATURES,
  parseModelMetadata,
  type Attributions,
  type Drivers,
  type EncoderInput,
  type MetricForecasts,
  type ModelInputs,
  type ModelMetadata,
} from '@tft/forecasting';
import { InlineSession, WorkerSession, type PlainTensor, type SessionHandle } from './worker-session';

export interface RunnerOptions {
  /** onnxruntime execution providers in preference order, e.g. ['cuda', 'cpu']. */
  executionProviders?: string[];
  intraOpNumThreads?: number;
  /** Servers per ONNX call at most; larger requests are split. */
  batchSize?: number;
  /**
   * ONNX calls a request of many servers is split into at least (each of MIN_PIPELINED_ROWS or more),
   * so that one call's inputs are built and the last one's outputs decoded while the worker runs
   * another; 1 = as few calls as batchSize allows. Default 4.
   */
  pipeline?: number;
  /**
   * 'worker' (default) runs onnxruntime on its own thread so the caller's event loop stays free;
   * 'inline' runs it on the calling thread.
   */
  thread?: 'worker' | 'inline';
  /** Further onnxruntime session options (graph optimisation level, execution mode, ...). */
  sessionOptions?: ort.InferenceSession.SessionOptions;
}

/** Below this many servers a call is not split further for the pipeline (small calls cost more per server). */
export const MIN_PIPELINED_ROWS = 128;
const DEFAULT_PIPELINE = 4;

/** A call sent to the session: its inputs and the outputs to come. */
interface Call {
  items: readonly EncoderInput[];
  inputs: ModelInputs;
  result: Promise<Record<string, PlainTensor>>;
}

export interface Forecast {
  /** Epoch seconds of the start of the last observed step; step h of the forecast starts at origin + (h+1) step. */
  origin: number;
  quantiles: MetricForecasts;
  drivers: Drivers | null;
}

/**
 * Runs an exported TFT directory (`model.onnx` + `metadata.json`) with onnxruntime-node: builds the
 * input tensors from step-grid histories, batches many servers per call, decodes quantiles in original
 * units and the variable-selection weights as drivers.
 */
export class TftRunner {
  private constructor(
    readonly metadata: ModelMetadata,
    readonly modelDir: string,
    private readonly session: SessionHandle,
    private readonly batchSize: number,
    private readonly pipeline: number,
  ) {}

  static async load(modelDir: string, options: RunnerOptions = {}): Promise<TftRunner> {
    const metadata = parseModelMetadata(JSON.parse(await readFile(join(modelDir, 'metadata.json'), 'utf8')));
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: options.executionProviders ?? ['cpu'],
      graphOptimizationLevel: 'all',
      ...options.sessionOptions,
    };
    if (options.intraOpNumThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpNumThreads;
    const path = join(modelDir, metadata.file);
    const session =
      options.thread === 'inline'
        ? new InlineSession(ort, await ort.InferenceSession.create(path, sessionOptions))
        : await WorkerSession.create(path, sessionOptions);
    return new TftRunner(metadata, modelDir, session, options.batchSize ?? 1024, Math.max(1, options.pipeline ?? DEFAULT_PIPELINE));
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the graph on ready-made input tensors (the parity tests use this). */
  async runTensors(feeds: Record<string, ort.Tensor>): Promise<Record<string, PlainTensor>> {
    const plain: Record<string, PlainTensor> = {};
    for (const [name, t] of Object.entries(feeds))
      plain[name] = {
        type: t.type as PlainTensor['type'],
        data: t.data as PlainTensor['data'],
        dims: t.dims,
      };
    return this.session.run(plain);
  }

  /** Frees the session (and stops its worker thread). */
  release(): Promise<void> {
    return this.session.release();
  }

  /**
   * Forecasts in ONNX calls of at most batchSize servers, pipelined: the next call is built and queued
   * on the session before the one running is awaited, and decoded while the next one runs. From the
   * third call on, each is built over the input memory of a call that has run (`spares`); none is kept
   * after the request, so an idle runner holds no input tensors.
   */
  async forecast(items: readonly EncoderInput[]): Promise<Forecast[]> {
    const rows = Math.min(this.batchSize, Math.max(MIN_PIPELINED_ROWS, Math.ceil(items.length / this.pipeline)));
    const out: Forecast[] = [];
    const spares: ModelInputs[] = [];
    let running: Call | null = null;
    try {
      for (let start = 0; start < items.length || running; start += rows) {
        const next: Call | null = start < items.length ? this.send(items.slice(start, start + rows), spares) : null;
        const call: Call | null = running;
        running = next;
        if (call) out.push(...this.decode(call, await call.result));
      }
    } finally {
      running?.result.catch(() => undefined); // a call queued behind one that failed fails unobserved
    }
    return out;
  }

  buildInputs(items: readonly EncoderInput[]): ModelInputs {
    return buildModelInputs(items, this.shape);
  }

  /**
   * What drives one forecast: the forecast and one ablation per input group (see ablatedInputs) in a
   * single call, scored per metric by how far each ablation moves the p50.
   */
  async attribute(item: EncoderInput): Promise<{ origin: number; attributions: Attributions }> {
    const m = this.metadata;
    const inputs = ablatedInputs(this.buildInputs([item]), this.shape);
    const result = await this.session.run(toPlainFeeds(inputs, m.max_encoder_length, m.horizon), true);
    const quantiles = result['quantiles'].data as Float32Array;
    const decodeRow = quantileDecoder(m);
    const rows = Array.from({ length: inputs.batch }, (_, b) => decodeRow(quantiles, b));
    return { origin: inputs.origins[0], attributions: attributionsOf(rows[0], rows.slice(1)) };
  }

  private get shape() {
    const m = this.metadata;
    return { L: m.max_encoder_length, H: m.horizon, stepSeconds: m.step_seconds };
  }

  /** Builds a call's inputs (over a spare's memory when one is free) and sends it; its memory returns to `spares`. */
  private send(items: readonly EncoderInput[], spares: ModelInputs[]): Call {
    const m = this.metadata;
    const inputs = buildModelInputs(items, this.shape, spares.pop());
    const feeds = toPlainFeeds(inputs, m.max_encoder_length, m.horizon);
    const result = this.session.run(feeds, true).then((outputs) => {
      spares.push(inputsOver(inputs, feeds));
      return outputs;
    });
    return { items, inputs, result };
  }

  private decode({ items, inputs }: Call, result: Record<string, PlainTensor>): Forecast[] {
    const m = this.metadata;
    const quantiles = result['quantiles'].data as Float32Array;
    const weights = (name: string) => result[name]?.data as Float32Array | undefined;
    const [enc, dec, stat] = [weights('encoder_weights'), weights('decoder_weights'), weights('static_weights')];
    const decodeRow = quantileDecoder(m);
    return items.map((_, b) => ({
      origin: inputs.origins[b],
      quantiles: decodeRow(quantiles, b),
      drivers:
        enc && dec && stat
          ? {
              encoder: decodeWeights(enc, b, m.encoder_variables),
              decoder: decodeWeights(dec, b, m.decoder_variables),
              static: decodeWeights(stat, b, m.static_variables),
            }
          : null,
    }));
  }
}

/**
 * A spare over the memory `inputs`' feeds hold after a run (moved to the worker and back). Not its
 * origins: the call's decoding still reads them after the spare is free for the next call.
 */
function inputsOver(inputs: ModelInputs, feeds: Record<string, PlainTensor>): ModelInputs {
  const f32 = (name: string) => feeds[name].data as Float32Array;
  const i64 = (name: string) => feeds[name].data as BigInt64Array;
  return {
    batch: inputs.batch,
    origins: new Float64Array(0),
    pastValues: f32('past_values'),
    pastMask: f32('past_mask'),
    encoderLength: i64('encoder_length'),
    pastTime: f32('past_time'),
    futureTime: f32('future_time'),
    profile: i64('profile'),
  };
}

/** The model's inputs as plain tensors (the form that crosses to the worker thread). */
export function toPlainFeeds(inputs: ModelInputs, L: number, H: number): Record<string, PlainTensor> {
  const B = inputs.batch;
  return {
    past_values: { type: 'float32', data: inputs.pastValues, dims: [B, L, 4] },
    past_mask: { type: 'float32', data: inputs.pastMask, dims: [B, L, 4] },
    encoder_length: { type: 'int64', data: inputs.encoderLength, dims: [B] },
    past_time: {
      type: 'float32',
      data: inputs.pastTime,
      dims: [B, L, N_TIME_FEATURES],
    },
    future_time: {
      type: 'float32',
      data: inputs.futureTime,
      dims: [B, H, N_TIME_FEATURES],
    },
    profile: { type: 'int64', data: inputs.profile, dims: [B] },
  };
}

/** The model's inputs as onnxruntime tensors (for a session on the calling thread). */
export function toFeeds(inputs: ModelInputs, L: number, H: number): Record<string, ort.Tensor> {
  const plain = Object.entries(toPlainFeeds(inputs, L, H));
  return Object.fromEntries(plain.map(([name, t]) => [name, new ort.Tensor(t.type, t.data, t.dims)]));
}
