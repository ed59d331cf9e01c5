import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, UsageError } from './cli';

const quiet = { out: () => undefined, err: () => undefined };

describe('runCli: refusals before any work', () => {
  it('leaves an existing version folder and a foreign --work folder alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fine-tune-cli-'));
    const taken = join(dir, '3.0.1');
    mkdirSync(taken);
    await expect(runCli(['--from', 'http://127.0.0.1:9', '--out', taken, '--work', join(dir, 'w')], quiet)).rejects.toThrow(
      `${taken} exists already: the new version needs a folder of its own (--out)`,
    );
    const foreign = join(dir, 'notes');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'keep.txt'), 'mine');
    await expect(runCli(['--from', 'http://127.0.0.1:9', '--out', join(dir, '3.0.2'), '--work', foreign], quiet)).rejects.toThrow(
      `--work ${foreign} is not empty and holds no earlier fine-tuning run`,
    );
    expect(existsSync(join(foreign, 'keep.txt'))).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers --help with the usage and bad flags with a UsageError', async () => {
    const lines: string[] = [];
    expect(await runCli(['--fine-tune', '--help'], { out: () => undefined, err: (l) => lines.push(l) })).toBeNull();
    expect(lines.join('\n')).toContain('--from-prometheus <URL>');
    await expect(runCli(['--fine-tune'], quiet)).rejects.toThrow(UsageError);
  });
});
