import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { byVersion } from '@tft/tft-runner';

const VERSION = /^\d+\.\d+\.\d+$/;

/** The version after the newest of `versions`: its patch number plus one (`3.0.0` -> `3.0.1`). */
export function nextPatch(versions: readonly string[]): string {
  const newest = versions
    .filter((v) => VERSION.test(v))
    .sort(byVersion)
    .at(-1);
  if (!newest) throw new Error('no x.y.z version to follow');
  const [major, minor, patch] = newest.split('.').map(Number);
  return `${major}.${minor}.${patch + 1}`;
}

/** The version folders' names under a folder of versions (any `x.y.z` name, loaded or not). */
export function versionNames(root: string): string[] {
  return existsSync(root) ? readdirSync(root).filter((v) => VERSION.test(v)) : [];
}

/**
 * Where the new version goes and what it is called: `--out` when given (its folder name is the version
 * when it reads as one, so an api watching its parent loads it), else the next patch version under the
 * folder of versions. Either way the version follows every one under `modelsRoot`, so an api serving the
 * newest there takes it.
 */
export function newVersion(modelsRoot: string, out: string | undefined): { version: string; dir: string } {
  if (out !== undefined && VERSION.test(basename(out))) return { version: basename(out), dir: out };
  const version = nextPatch(versionNames(modelsRoot));
  return { version, dir: out ?? join(modelsRoot, version) };
}
