import { basename, join } from 'node:path';
import { statSync } from 'node:fs';
import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  UnprocessableEntityException,
} from '@nestjs/common';
import { byVersion, isModelVersionDir, modelVersionDirs } from '@tft/tft-runner';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { InferenceService } from '../inference/inference.service';
import { loadModel } from '../model/model-runtime.factory';
import { MODEL_RUNTIME, type LoadedModel, type ModelProvider, type ModelRuntime } from '../model/model-provider';
import { ApiEvents } from '../snapshot/api-events';
import type { ModelReloadDto } from './dto/model-reload.dto';

const VERSION = /^\d+\.\d+\.\d+$/;

const gridText = (g: ModelRuntime['grid']) =>
  `${g.stepSeconds} s steps, ${g.horizon}-step horizon, encoder ${g.minEncoderLength}..${g.maxEncoderLength}`;

/**
 * Swaps the served model without a restart, on POST /model/reload or when a newer version folder
 * appears where the model came from (MODEL_WATCH_INTERVAL). The new model is loaded beside the old;
 * only a model that loads, and steps on the same grid (the windows and warm-up are sized by it), takes
 * over. Passes under way finish on the old one, which is closed once they have.
 */
@Injectable()
export class ModelReloadService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Inference');
  /** Reloads one at a time, in the order asked. */
  private queue: Promise<unknown> = Promise.resolve();
  private watchTimer: NodeJS.Timeout | null = null;
  /** Version folders the watch could not load, by their modification time: tried again only once changed. */
  private readonly refused = new Map<string, number>();
  private readonly retiring = new Set<Promise<void>>();

  constructor(
    @Inject(MODEL_RUNTIME) private readonly runtime: ModelRuntime,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly inference: InferenceService,
    private readonly events: ApiEvents,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.modelWatchIntervalSeconds;
    if (!this.runtime.modelsRoot || seconds <= 0) return;
    this.watchTimer = setInterval(() => void this.takeNewer(), seconds * 1000);
    this.watchTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.watchTimer) clearInterval(this.watchTimer);
    await this.queue;
    await Promise.allSettled([...this.retiring]);
  }

  /**
   * Loads `version` (a folder under the folder of versions; default the newest there, or the pinned
   * MODEL_DIR again) and serves it from the next pass. Refused with the reason when it cannot be: the
   * model serving goes on. `relayed`: another replica asked (cluster mode), so it is not relayed again.
   */
  reload(version?: string, relayed = false): Promise<ModelReloadDto> {
    const run = this.queue.then(() =>
      // a replica that took the same version from its own watch has nothing to do
      relayed && version === this.runtime.modelVersion ? this.serving() : this.swap(this.target(version), relayed),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private serving(): ModelReloadDto {
    return {
      version: this.runtime.modelVersion ?? '',
      previous_version: this.runtime.modelVersion,
      model_dir: this.runtime.modelDir ?? '',
      load_ms: 0,
    };
  }

  /** The version folder a reload loads. */
  private target(version: string | undefined): string {
    const root = this.runtime.modelsRoot;
    if (version !== undefined && !VERSION.test(version))
      throw new BadRequestException(`version: a version folder name x.y.z, e.g. 3.0.1 (got "${version.slice(0, 32)}")`);
    if (!root) {
      if (version !== undefined)
        throw new ConflictException(
          `MODEL_DIR pins one version (${this.runtime.modelDir}): name a folder of versions in MODEL_DIR to switch between them`,
        );
      if (!this.runtime.modelDir) throw new ConflictException('no model folder to reload: MODEL_DIR names none');
      return this.runtime.modelDir;
    }
    if (version === undefined) {
      const newest = modelVersionDirs(root).at(-1);
      if (!newest) throw new NotFoundException(`no model version (x.y.z/ with metadata.json) under ${root}`);
      return newest;
    }
    const dir = join(root, version);
    if (!isModelVersionDir(dir))
      throw new NotFoundException(`no model version ${version} under ${root} (a folder ${version}/ with metadata.json)`);
    return dir;
  }

  private async swap(dir: string, relayed: boolean): Promise<ModelReloadDto> {
    const started = performance.now();
    const serving = this.runtime.modelVersion ?? 'the heuristic';
    let model: LoadedModel;
    try {
      model = await loadModel(dir, this.runtime.device);
    } catch (err) {
      throw new UnprocessableEntityException(
        `model ${dir} not loaded (${(err as Error).message.split('\n')[0]}); ${serving} goes on serving`,
      );
    }
    const refuse = async (why: string): Promise<never> => {
      await model.tft.close?.();
      throw new ConflictException(`model ${dir} refused: ${why}; ${serving} goes on serving`);
    };
    if (this.runtime.modelsRoot && basename(dir) !== model.modelVersion)
      await refuse(`its metadata says version ${model.modelVersion}, its folder ${basename(dir)} (rename one)`);
    const g = this.runtime.grid;
    const n = model.grid;
    if (
      g.stepSeconds !== n.stepSeconds ||
      g.horizon !== n.horizon ||
      g.minEncoderLength !== n.minEncoderLength ||
      g.maxEncoderLength !== n.maxEncoderLength
    )
      await refuse(
        `it runs on ${gridText(n)}, the api on ${gridText(g)}; a new grid needs a restart (the windows and warm-up are sized by it)`,
      );

    const previous = { tft: this.runtime.tft, version: this.runtime.modelVersion };
    // one synchronous assignment: a pass takes these together at its start
    Object.assign(this.runtime, {
      tft: model.tft,
      modelDir: model.modelDir,
      modelVersion: model.modelVersion,
      alertRule: model.alertRule,
      profileIndex: model.profileIndex,
      loadError: null,
    } satisfies Partial<ModelRuntime>);
    this.retire(previous.tft);
    const loadMs = Math.round(performance.now() - started);
    this.logger.log(`TFT ${model.modelVersion} from ${dir} serves from the next pass (was ${serving}; loaded in ${loadMs} ms)`);
    this.events.emit('model.swapped', { version: model.modelVersion, previous: previous.version, relayed });
    this.inference.requestPass(); // every warm server is forecast again by the new model
    return { version: model.modelVersion, previous_version: previous.version, model_dir: model.modelDir, load_ms: loadMs };
  }

  /** Closes a swapped-out model once the passes that hold it have ended. */
  private retire(tft: ModelProvider | null): void {
    if (!tft?.close) return;
    const close = tft.close.bind(tft);
    const closing = this.inference
      .settled()
      .then(close)
      .catch((err: unknown) => this.logger.warn(`closing the previous model failed: ${(err as Error).message}`))
      .finally(() => this.retiring.delete(closing));
    this.retiring.add(closing);
  }

  /** The watch: a version folder newer than the one serving is loaded; one that fails waits until it changes. */
  private async takeNewer(): Promise<void> {
    const root = this.runtime.modelsRoot;
    const newest = root ? modelVersionDirs(root).at(-1) : undefined;
    const current = this.runtime.modelDir ? basename(this.runtime.modelDir) : '0.0.0';
    if (!newest || byVersion(basename(newest), current) <= 0) return;
    const changed = statSync(newest).mtimeMs;
    if (this.refused.get(newest) === changed) return;
    try {
      await this.reload(basename(newest));
      this.refused.delete(newest);
    } catch (err) {
      this.refused.set(newest, changed);
      this.logger.warn(`found ${newest} but did not take it: ${(err as Error).message}`);
    }
  }
}
