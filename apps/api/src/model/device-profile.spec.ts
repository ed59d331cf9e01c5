import { describe, expect, it } from 'vitest';
import { gpuProfile, selectDevice } from './device-profile';

const ok = async () => 'session';
const cudaMissing = async () => {
  throw new Error('backend not found: cuda\nstack...');
};

describe('selectDevice', () => {
  it('stays on the CPU for INFERENCE_DEVICE=cpu without probing', async () => {
    const r = await selectDevice('cpu', 2, ok, async () => 'NVIDIA H200');
    expect(r).toEqual({
      device: {
        device: 'cpu',
        profile: 'cpu-2t',
        batchSize: 128,
        threads: 2,
        gpu: null,
        fallbackReason: null,
      },
      loaded: null,
    });
  });

  it('uses CUDA with the Hopper profile when a GPU is present and the provider loads', async () => {
    const r = await selectDevice('auto', undefined, ok, async () => 'NVIDIA H200');
    expect(r.loaded).toBe('session');
    expect(r.device).toMatchObject({
      device: 'cuda:0',
      profile: 'gpu-hopper',
      batchSize: 8192,
      gpu: 'NVIDIA H200',
    });
  });

  it('falls back to the CPU with one clear reason when the CUDA provider does not load', async () => {
    const r = await selectDevice('auto', 2, cudaMissing, async () => 'NVIDIA A100-SXM4-80GB');
    expect(r.loaded).toBeNull();
    expect(r.device).toMatchObject({
      device: 'cpu',
      profile: 'cpu-2t',
      gpu: 'NVIDIA A100-SXM4-80GB',
    });
    expect(r.device.fallbackReason).toBe(
      'GPU NVIDIA A100-SXM4-80GB present but the CUDA execution provider did not load (backend not found: cuda)',
    );
  });

  it('does not probe CUDA on auto without a GPU, but does when cuda is forced', async () => {
    let probed = 0;
    const probe = async () => {
      probed++;
      throw new Error('no CUDA');
    };
    expect((await selectDevice('auto', 2, probe, async () => null)).device.fallbackReason).toBeNull();
    expect(probed).toBe(0);
    const forced = await selectDevice('cuda', 2, probe, async () => null);
    expect(probed).toBe(1);
    expect(forced.device.fallbackReason).toContain('INFERENCE_DEVICE=cuda but no GPU was found');
  });

  it('maps GPU names to batch profiles', () => {
    expect(gpuProfile('NVIDIA GeForce RTX 4090').profile).toBe('gpu-ada');
    expect(gpuProfile('NVIDIA H100 80GB HBM3').batchSize).toBe(8192);
    expect(gpuProfile('Tesla T4')).toMatchObject({
      profile: 'gpu-generic',
      batchSize: 1024,
    });
  });
});
