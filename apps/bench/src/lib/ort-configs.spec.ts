import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configLabel, sessionOptions, sweepConfigs } from './ort-configs';
import { markdownTable, num, verdict } from './report';
import { writeTensorDir } from './tensor-dir';

describe('sweepConfigs', () => {
  it('covers 2 thread counts x 2 modes x 2 levels x memory pattern on/off, each once', () => {
    const all = sweepConfigs();
    expect(all).toHaveLength(16);
    expect(new Set(all.map(configLabel)).size).toBe(16);
    expect(configLabel(all[0])).toBe('1t sequential basic mem:on');
    expect(configLabel(all[15])).toBe('2t parallel   all   mem:off');
    expect(all.filter((c) => c.intraOpNumThreads === 2 && c.executionMode === 'parallel')).toHaveLength(4);
  });

  it('gives parallel mode an inter-op pool the size of the intra-op one', () => {
    expect(sessionOptions(sweepConfigs()[12])).toEqual({
      executionProviders: ['cpu'],
      intraOpNumThreads: 2,
      interOpNumThreads: 2,
      executionMode: 'parallel',
      graphOptimizationLevel: 'basic',
      enableMemPattern: true,
    });
  });
});

describe('writeTensorDir', () => {
  it('writes raw little-endian tensors and a manifest in the given order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-spec-'));
    try {
      const files = writeTensorDir(
        dir,
        {
          b: { type: 'int64', dims: [2], data: BigInt64Array.from([3n, 144n]) },
          a: {
            type: 'float32',
            dims: [2, 2],
            data: Float32Array.from([1, 2.5, -3, 4]),
          },
        },
        ['a', 'b'],
      );
      expect(files.map((f) => f.name)).toEqual(['a', 'b']);
      const a = readFileSync(join(dir, 'a.bin'));
      expect(a.length).toBe(16);
      expect(a.readFloatLE(4)).toBe(2.5);
      expect(readFileSync(join(dir, 'b.bin')).readBigInt64LE(8)).toBe(144n);
      expect(JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8')).inputs).toEqual([
        { name: 'a', dtype: 'float32', shape: [2, 2], file: 'a.bin' },
        { name: 'b', dtype: 'int64', shape: [2], file: 'b.bin' },
      ]);
      expect(() => writeTensorDir(dir, { c: { type: 'float32', dims: [3], data: new Float32Array(2) } }, ['c'])).toThrow(
        /2 elements for shape \[3\]/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('report helpers', () => {
  it('pads a markdown table to its widest cells', () => {
    expect(markdownTable(['a', 'bb'], [['ccc', 'd']])).toBe('| a   | bb |\n|-----|----|\n| ccc | d  |');
  });

  it('formats figures and verdicts, n/a without a figure', () => {
    expect(num(12345.678, 1)).toBe('12,345.7');
    expect(num(null)).toBe('n/a');
    expect(num(3.2, 0, ' ms')).toBe('3 ms');
    expect(verdict(9.9, (v) => v < 10)).toBe('pass');
    expect(verdict(10, (v) => v < 10)).toBe('FAIL');
    expect(verdict(Number.NaN, (v) => v < 10)).toBe('n/a');
  });
});
