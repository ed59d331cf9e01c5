import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  ablatedInputs,
  attributionsOf,
  buildModelInputs,
  decodeQuantiles,
  decodeWeights,
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
  /** Servers per ONNX call; larger requests are split. */
  batchSize?: number;
  /**
   * 'worker' (default) runs onnxruntime on its own thread so the caller's event loop stays free;
   * 'inline' runs it on the calling thread.
   */
  thread?: 'worker' | 'inline';
  /** Further onnxruntime session options (graph optimisation level, execution mode, ...). */
  sessionOptions?: ort.InferenceSession.SessionOptions;
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
    return new TftRunner(metadata, modelDir, session, options.batchSize ?? 1024);
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

  async forecast(items: readonly EncoderInput[]): Promise<Forecast[]> {
    const out: Forecast[] = [];
    for (let start = 0; start < items.length; start += this.batchSize) {
      out.push(...(await this.forecastBatch(items.slice(start, start + this.batchSize))));
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
    const rows = Array.from({ length: inputs.batch }, (_, b) => decodeQuantiles(quantiles, b, m));
    return { origin: inputs.origins[0], attributions: attributionsOf(rows[0], rows.slice(1)) };
  }

  private get shape() {
    const m = this.metadata;
    return { L: m.max_encoder_length, H: m.horizon, stepSeconds: m.step_seconds };
  }

  private async forecastBatch(items: readonly EncoderInput[]): Promise<Forecast[]> {
    if (items.length === 0) return [];
    const m = this.metadata;
    const inputs = this.buildInputs(items);
    const result = await this.session.run(toPlainFeeds(inputs, m.max_encoder_length, m.horizon), true);
    const quantiles = result['quantiles'].data as Float32Array;
    const weights = (name: string) => result[name]?.data as Float32Array | undefined;
    const [enc, dec, stat] = [weights('encoder_weights'), weights('decoder_weights'), weights('static_weights')];
    return items.map((_, b) => ({
      origin: inputs.origins[b],
      quantiles: decodeQuantiles(quantiles, b, m),
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
