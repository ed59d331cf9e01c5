import { writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';

/** What the bench needs of an input tensor (an `ort.Tensor` fits). */
export interface TensorLike {
  type: string;
  dims: readonly number[];
  data: unknown;
}

export interface TensorFile {
  name: string;
  dtype: 'float32' | 'int64';
  shape: number[];
  file: string;
}

/**
 * Writes each tensor as raw little-endian bytes (`<name>.bin`) plus `inputs.json` listing name, dtype,
 * shape and file in `order`: what training/bench_torch.py reads back.
 */
export function writeTensorDir(dir: string, tensors: Readonly<Record<string, TensorLike>>, order: readonly string[]): TensorFile[] {
  if (endianness() !== 'LE') throw new Error('writeTensorDir writes the machine byte order, which must be little-endian');
  const files = order.map((name) => {
    const t = tensors[name];
    if (!t) throw new Error(`no tensor named ${name}`);
    if (t.type !== 'float32' && t.type !== 'int64') throw new Error(`${name}: dtype ${t.type} is not float32 or int64`);
    const data = t.data as Float32Array | BigInt64Array;
    const expected = t.dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) throw new Error(`${name}: ${data.length} elements for shape [${t.dims.join(', ')}]`);
    const file = `${name}.bin`;
    writeFileSync(join(dir, file), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return { name, dtype: t.type, shape: [...t.dims], file } as TensorFile;
  });
  writeFileSync(join(dir, 'inputs.json'), JSON.stringify({ byte_order: 'little', inputs: files }, null, 2));
  return files;
}
