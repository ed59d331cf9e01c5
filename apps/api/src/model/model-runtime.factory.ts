import { Logger } from '@nestjs/common';
import { profileIndex as metadataProfileIndex } from '@tft/forecasting';
import { isModelVersionDir, modelVersionDirs, shippedModelsRoot, TftRunner } from '@tft/tft-runner';
import type { ApiConfig } from '../config/api-config';
import { cpuProfile, selectDevice } from './device-profile';
import { HeuristicProvider } from './heuristic.provider';
import { DEFAULT_GRID, type DeviceInfo, type LoadedModel, type ModelRuntime } from './model-provider';
import { OnnxTftProvider } from './onnx-tft.provider';

const logger = new Logger('Inference');

/**
 * Where the api takes its model from: MODEL_DIR naming one version (a folder with metadata.json) pins
 * it; MODEL_DIR naming a folder of versions, or unset (the shipped models/tft), serves the newest
 * version there and watches that folder for newer ones.
 */
export function modelSource(config: ApiConfig): { dir: string; root: string | null } {
  const configured = config.modelDir ?? shippedModelsRoot();
  if (isModelVersionDir(configured)) return { dir: configured, root: null };
  const newest = modelVersionDirs(configured).at(-1);
  if (!newest) throw new Error(`no model version (x.y.z/ with metadata.json) under ${configured}`);
  return { dir: newest, root: configured };
}

/** Loads one TFT version directory on `device` (as chosen at startup): what a reload swaps in whole. */
export async function loadModel(dir: string, device: DeviceInfo): Promise<LoadedModel> {
  const runner = await TftRunner.load(dir, {
    executionProviders: device.device.startsWith('cuda') ? ['cuda'] : ['cpu'],
    intraOpNumThreads: device.threads ?? undefined,
    batchSize: device.batchSize,
    // memory-pattern planning keeps every intermediate of a call alive at once; without it RSS is
    // lower at no measurable cost in speed
    sessionOptions: device.device.startsWith('cuda') ? undefined : { enableMemPattern: false },
  });
  return loaded(runner, dir);
}

function loaded(runner: TftRunner, dir: string): LoadedModel {
  const m = runner.metadata;
  return {
    tft: new OnnxTftProvider(runner),
    grid: {
      stepSeconds: m.step_seconds,
      horizon: m.horizon,
      minEncoderLength: m.min_encoder_length,
      maxEncoderLength: m.max_encoder_length,
    },
    modelDir: dir,
    modelVersion: m.version,
    alertRule: m.alert_rule ?? null,
    profileIndex: (name, profile) => metadataProfileIndex(m, name, profile),
  };
}

/**
 * Loads the TFT on the best available device. A missing or corrupt model does not stop the api: it
 * runs every server on the heuristic and says so in /status and /health.
 */
export async function createModelRuntime(config: ApiConfig): Promise<ModelRuntime> {
  let modelDir: string | null = null;
  let modelsRoot: string | null = null;
  try {
    const source = modelSource(config);
    modelDir = source.dir;
    modelsRoot = source.root;
    const dir = modelDir;
    const { device, loaded: onGpu } = await selectDevice(config.device, config.inferenceThreads, (profile) =>
      TftRunner.load(dir, {
        executionProviders: ['cuda'],
        batchSize: profile.batchSize,
      }),
    );
    if (device.fallbackReason) logger.warn(`${device.fallbackReason}; using the CPU profile ${device.profile}`);
    const model = onGpu ? loaded(onGpu, dir) : await loadModel(dir, device);
    logger.log(`TFT ${model.modelVersion} from ${dir} on ${device.device} (profile ${device.profile}, batch ${device.batchSize})`);
    return {
      ...model,
      heuristic: new HeuristicProvider(model.grid.horizon),
      device,
      modelsRoot,
      loadError: null,
    };
  } catch (err) {
    const reason = `no TFT model loaded from ${modelDir ?? config.modelDir ?? 'models/tft'}: ${(err as Error).message.split('\n')[0]}`;
    logger.error(`${reason}; every server gets the heuristic forecast`);
    return {
      tft: null,
      heuristic: new HeuristicProvider(DEFAULT_GRID.horizon),
      grid: DEFAULT_GRID,
      device: cpuProfile(config.inferenceThreads, null, null),
      modelDir,
      modelsRoot,
      modelVersion: null,
      alertRule: null,
      loadError: reason,
      profileIndex: () => 0, // only the TFT uses profile indices
    };
  }
}
