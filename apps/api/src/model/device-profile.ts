import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { InferenceDevice } from '../config/api-config';
import type { DeviceInfo } from './model-provider';

interface GpuProfile {
  match: RegExp;
  profile: string;
  batchSize: number;
}

/** Batch sizes per GPU class: larger memory and more SMs amortise a bigger batch per call. */
export const GPU_PROFILES: readonly GpuProfile[] = [
  { match: /H100|H200|GH200/i, profile: 'gpu-hopper', batchSize: 8192 },
  { match: /A100|A800/i, profile: 'gpu-a100', batchSize: 4096 },
  {
    match: /RTX\s*(4090|5090)|L40|A6000|RTX 6000/i,
    profile: 'gpu-ada',
    batchSize: 2048,
  },
  { match: /./, profile: 'gpu-generic', batchSize: 1024 },
];

/**
 * Servers per onnxruntime call on the CPU. Throughput hardly grows with larger calls, but onnxruntime's
 * arena keeps the largest call's intermediates (attention scores among them) for the process's life,
 * so a moderate batch keeps RSS down (docs/BENCHMARKS.md has the measurements).
 */
export const CPU_BATCH_SIZE = 128;

/** The first GPU's name from nvidia-smi, or null when there is none (or no driver). */
export function detectGpu(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { timeout: 5000 }, (err, stdout) => {
      const name = err ? '' : stdout.split('\n')[0].trim();
      resolve(name || null);
    });
  });
}

/**
 * Default onnxruntime threads: all cores but one, which the event loop keeps. Two threads on two cores
 * win only when nothing else runs; while another process is busy they lose to one, and the api's own
 * event loop is such a process whenever data arrives during a pass.
 */
export const defaultCpuThreads = (): number => Math.max(1, availableParallelism() - 1);

export function cpuProfile(threads: number | undefined, fallbackReason: string | null, gpu: string | null): DeviceInfo {
  const t = threads ?? defaultCpuThreads();
  return {
    device: 'cpu',
    profile: `cpu-${t}t`,
    batchSize: CPU_BATCH_SIZE,
    threads: t,
    gpu,
    fallbackReason,
  };
}

export function gpuProfile(gpu: string): DeviceInfo {
  const p = GPU_PROFILES.find((g) => g.match.test(gpu)) as GpuProfile;
  return {
    device: 'cuda:0',
    profile: p.profile,
    batchSize: p.batchSize,
    threads: null,
    gpu,
    fallbackReason: null,
  };
}

/**
 * Picks the device: `cpu` always CPU; `auto` tries CUDA only when nvidia-smi shows a GPU; `cuda` tries it
 * regardless. "Tries" means the CUDA execution provider must actually create a session (`loadOnCuda`);
 * otherwise the CPU profile is used and `fallbackReason` says why. Never throws for a missing GPU.
 */
export async function selectDevice<T>(
  requested: InferenceDevice,
  threads: number | undefined,
  loadOnCuda: (profile: DeviceInfo) => Promise<T>,
  gpuName: () => Promise<string | null> = detectGpu,
): Promise<{ device: DeviceInfo; loaded: T | null }> {
  if (requested === 'cpu') return { device: cpuProfile(threads, null, null), loaded: null };
  const gpu = await gpuName();
  if (!gpu && requested === 'auto') return { device: cpuProfile(threads, null, null), loaded: null };
  const profile = gpuProfile(gpu ?? 'unknown GPU');
  try {
    return { device: profile, loaded: await loadOnCuda(profile) };
  } catch (err) {
    const why = gpu
      ? `GPU ${gpu} present but the CUDA execution provider did not load (${firstLine(err)})`
      : `INFERENCE_DEVICE=cuda but no GPU was found by nvidia-smi (${firstLine(err)})`;
    return { device: cpuProfile(threads, why, gpu), loaded: null };
  }
}

const firstLine = (err: unknown): string =>
  String((err as Error)?.message ?? err)
    .split('\n')[0]
    .slice(0, 200);
