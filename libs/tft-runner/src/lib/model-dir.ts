import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository's `models/tft` folder, found from the working directory or this file upwards. */
export function shippedModelsRoot(): string {
  for (const start of [process.cwd(), __dirname]) {
    let dir = resolve(start);
    for (;;) {
      const candidate = join(dir, 'models', 'tft');
      if (existsSync(candidate)) return candidate;
      const parent = resolve(dir, '..');
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error('models/tft not found: run from the repository or set MODEL_DIR');
}

/** Orders `x.y.z` versions numerically (2.10.0 after 2.9.0). */
export const byVersion = (a: string, b: string): number => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
};

/** The model version directories (`x.y.z` holding a metadata.json) under `root`, oldest first; empty when none. */
export function modelVersionDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  const versions = readdirSync(root).filter((v) => /^\d+\.\d+\.\d+$/.test(v) && existsSync(join(root, v, 'metadata.json')));
  return versions.sort(byVersion).map((v) => join(root, v));
}

/** Whether `dir` is one model version (it holds a metadata.json) rather than a folder of versions. */
export const isModelVersionDir = (dir: string): boolean => existsSync(join(dir, 'metadata.json'));

/** Every shipped model version directory, oldest first, e.g. `[models/tft/1.2.0, models/tft/2.0.0]`. */
export function shippedModelDirs(): string[] {
  const root = shippedModelsRoot();
  const dirs = modelVersionDirs(root);
  if (!dirs.length) throw new Error(`no model version with metadata.json under ${root}`);
  return dirs;
}

/** The newest shipped model version directory, e.g. `models/tft/1.0.0`. */
export function shippedModelDir(): string {
  return shippedModelDirs().at(-1) as string;
}
