import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';

/** A tensor as it crosses the thread boundary (typed arrays are structured-cloneable). */
export interface PlainTensor {
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
  dims: readonly number[];
}

/** What TftRunner needs from a session, whichever thread runs it. */
export interface SessionHandle {
  readonly outputNames: readonly string[];
  /**
   * `transfer`: the feeds' buffers may be moved to another thread and back; once the call settles
   * successfully each feed's `data` is usable again, over the same memory (a buffer to reuse).
   */
  run(feeds: Record<string, PlainTensor>, transfer?: boolean): Promise<Record<string, PlainTensor>>;
  release(): Promise<void>;
}

// onnxruntime-node's run() computes synchronously on the calling thread (it only defers the start with
// setImmediate), so a 1,000-server batch would freeze an http server for its whole duration. The worker
// is plain JavaScript evaluated from a string: it needs nothing but onnxruntime, and a separate entry
// file would have to be wired into every bundle and test runner that loads this library.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session = null;
parentPort.on('message', async (msg) => {
  try {
    if (msg.op === 'load') {
      session = await ort.InferenceSession.create(msg.path, msg.options);
      parentPort.postMessage({ id: msg.id, outputNames: session.outputNames });
    } else if (msg.op === 'run') {
      const feeds = {};
      for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      const out = await session.run(feeds);
      const outputs = {};
      for (const [name, t] of Object.entries(out)) outputs[name] = { type: t.type, data: t.data, dims: t.dims };
      // moved, not copied: a batch of 1,000 is megabytes of quantiles, and the worker keeps nothing of
      // them; moved feeds go back the same way, for the caller to build its next batch in
      const back = msg.giveBack ? msg.feeds : undefined;
      const buffers = [...Object.values(outputs), ...Object.values(back || {})].map((t) => t.data.buffer);
      parentPort.postMessage({ id: msg.id, outputs, feeds: back }, [...new Set(buffers)]);
    } else if (msg.op === 'release') {
      if (session) await session.release();
      session = null;
      parentPort.postMessage({ id: msg.id });
    }
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: String((err && err.message) || err) });
  }
});
`;

/** Where onnxruntime-node lives, resolved like the main program would resolve it. */
function resolveOrt(): string {
  const bases = [process.argv[1], join(process.cwd(), 'index.js')].filter((b): b is string => !!b);
  for (const base of bases) {
    try {
      return createRequire(base).resolve('onnxruntime-node');
    } catch {
      // try the next base
    }
  }
  throw new Error(`cannot resolve onnxruntime-node from ${bases.join(' or ')}`);
}

interface Pending {
  resolve: (msg: WorkerReply) => void;
  reject: (err: Error) => void;
}
interface WorkerReply {
  id: number;
  error?: string;
  outputNames?: string[];
  outputs?: Record<string, PlainTensor>;
  /** The feeds moved to the worker, moved back. */
  feeds?: Record<string, PlainTensor>;
}

/** An onnxruntime session on its own worker thread; calls are answered in order. */
export class WorkerSession implements SessionHandle {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;
  outputNames: readonly string[] = [];

  private constructor(private readonly worker: Worker) {
    worker.on('message', (msg: WorkerReply) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      this.idleCheck();
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg);
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`inference worker exited (code ${code})`)));
    worker.unref(); // an idle worker must not keep the process alive
  }

  static async create(modelPath: string, options: ort.InferenceSession.SessionOptions): Promise<WorkerSession> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ortPath: resolveOrt() },
    });
    const session = new WorkerSession(worker);
    try {
      const reply = await session.call({
        op: 'load',
        path: modelPath,
        options,
      });
      session.outputNames = reply.outputNames ?? [];
      return session;
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  async run(feeds: Record<string, PlainTensor>, transfer = false): Promise<Record<string, PlainTensor>> {
    const buffers = transfer ? [...new Set(Object.values(feeds).map((t) => t.data.buffer as ArrayBuffer))] : [];
    const reply = await this.call({ op: 'run', feeds, giveBack: transfer }, buffers);
    for (const [name, t] of Object.entries(reply.feeds ?? {})) feeds[name].data = t.data;
    return reply.outputs ?? {};
  }

  async release(): Promise<void> {
    if (!this.failure) await this.call({ op: 'release' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private call(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref(); // keep the process alive while an answer is due
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  private idleCheck(): void {
    if (this.pending.size === 0) this.worker.unref();
  }
}

/** The same interface on the calling thread (tools and tests that have nothing else to do meanwhile). */
export class InlineSession implements SessionHandle {
  constructor(
    private readonly ortModule: typeof ort,
    private readonly session: ort.InferenceSession,
  ) {}

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(feeds: Record<string, PlainTensor>): Promise<Record<string, PlainTensor>> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) tensors[name] = new this.ortModule.Tensor(t.type, t.data, t.dims);
    const out = await this.session.run(tensors);
    const plain: Record<string, PlainTensor> = {};
    for (const [name, t] of Object.entries(out))
      plain[name] = {
        type: t.type as PlainTensor['type'],
        data: t.data as PlainTensor['data'],
        dims: t.dims,
      };
    return plain;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
