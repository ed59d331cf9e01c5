import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository's `models/tft` folder, found from the working directory or this file upwards. */
function modelsRoot(): string {
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

const byVersion = (a: string, b: string): number => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
};

/** Every shipped model version directory, oldest first, e.g. `[models/tft/1.2.0, models/tft/2.0.0]`. */
export function shippedModelDirs(): string[] {
  const root = modelsRoot();
  const versions = readdirSync(root).filter((v) => /^\d+\.\d+\.\d+$/.test(v) && existsSync(join(root, v, 'metadata.json')));
  if (!versions.length) throw new Error(`no model version with metadata.json under ${root}`);
  return versions.sort(byVersion).map((v) => join(root, v));
}

/** The newest shipped model version directory, e.g. `models/tft/1.0.0`. */
export function shippedModelDir(): string {
  return shippedModelDirs().at(-1) as string;
}
