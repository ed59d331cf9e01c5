import { Logger } from '@nestjs/common';
import { profileIndex as metadataProfileIndex } from '@tft/forecasting';
import { shippedModelDir, TftRunner } from '@tft/tft-runner';
import type { ApiConfig } from '../config/api-config';
import { cpuProfile, selectDevice } from './device-profile';
import { HeuristicProvider } from './heuristic.provider';
import { DEFAULT_GRID, type ModelRuntime } from './model-provider';
import { OnnxTftProvider } from './onnx-tft.provider';

const logger = new Logger('Inference');

/**
 * Loads the TFT on the best available device. A missing or corrupt model does not stop the api: it
 * runs every server on the heuristic and says so in /status and /health.
 */
export async function createModelRuntime(config: ApiConfig): Promise<ModelRuntime> {
  let modelDir: string | null = null;
  try {
    modelDir = config.modelDir ?? shippedModelDir();
    const dir = modelDir;
    const { device, loaded } = await selectDevice(config.device, config.inferenceThreads, (profile) =>
      TftRunner.load(dir, {
        executionProviders: ['cuda'],
        batchSize: profile.batchSize,
      }),
    );
    if (device.fallbackReason) logger.warn(`${device.fallbackReason}; using the CPU profile ${device.profile}`);
    const runner =
      loaded ??
      (await TftRunner.load(dir, {
        executionProviders: ['cpu'],
        intraOpNumThreads: device.threads ?? undefined,
        batchSize: device.batchSize,
        // memory-pattern planning keeps every intermediate of a call alive at once; without it RSS
        // is lower at no measurable cost in speed
        sessionOptions: { enableMemPattern: false },
      }));
    const m = runner.metadata;
    logger.log(`TFT ${m.version} from ${dir} on ${device.device} (profile ${device.profile}, batch ${device.batchSize})`);
    return {
      tft: new OnnxTftProvider(runner),
      heuristic: new HeuristicProvider(m.horizon),
      grid: {
        stepSeconds: m.step_seconds,
        horizon: m.horizon,
        minEncoderLength: m.min_encoder_length,
        maxEncoderLength: m.max_encoder_length,
      },
      device,
      modelDir: dir,
      modelVersion: m.version,
      alertRule: m.alert_rule ?? null,
      loadError: null,
      profileIndex: (name, profile) => metadataProfileIndex(m, name, profile),
    };
  } catch (err) {
    const reason = `no TFT model loaded from ${modelDir ?? 'models/tft'}: ${(err as Error).message.split('\n')[0]}`;
    logger.error(`${reason}; every server gets the heuristic forecast`);
    return {
      tft: null,
      heuristic: new HeuristicProvider(DEFAULT_GRID.horizon),
      grid: DEFAULT_GRID,
      device: cpuProfile(config.inferenceThreads, null, null),
      modelDir,
      modelVersion: null,
      alertRule: null,
      loadError: reason,
      profileIndex: () => 0, // only the TFT uses profile indices
    };
  }
}
