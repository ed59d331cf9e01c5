import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newVersion, nextPatch } from './versions';

describe('the new version', () => {
  it('is the patch after the newest version, numerically', () => {
    expect(nextPatch(['1.2.0', '3.0.0', '2.0.0'])).toBe('3.0.1');
    expect(nextPatch(['3.0.9', '3.0.10', 'notes'])).toBe('3.0.11');
    expect(() => nextPatch(['latest'])).toThrow('no x.y.z version');
  });

  it('goes under the folder of versions, or to --out, named by the version when --out reads as one', () => {
    const root = mkdtempSync(join(tmpdir(), 'fine-tune-versions-'));
    for (const v of ['2.0.0', '3.0.0', '3.0.1', '.3.0.2.partial-1']) mkdirSync(join(root, v));
    expect(newVersion(root, undefined)).toEqual({ version: '3.0.2', dir: join(root, '3.0.2') });
    expect(newVersion(root, '/elsewhere/4.1.0')).toEqual({ version: '4.1.0', dir: '/elsewhere/4.1.0' });
    expect(newVersion(root, '/elsewhere/candidate')).toEqual({ version: '3.0.2', dir: '/elsewhere/candidate' });
    rmSync(root, { recursive: true, force: true });
  });
});
