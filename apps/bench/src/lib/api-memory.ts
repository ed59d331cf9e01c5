import type { MemoryStatusDto, StatusDto } from '@tft/api-client';
import type { ApiProcess } from './api-process';
import { num } from './report';

/** Memory is read this long after the forecasts: the api collects a replaced predictions body 1 s after its tick. */
export const SETTLE_MS = 2500;

/** The api's own view of its memory (`GET /status`), plus what lies outside V8 and its buffers. */
export interface MemoryBreakdown extends MemoryStatusDto {
  /** RSS - V8 heap - external (or buffers when larger): onnxruntime (session, arena, worker thread), SQLite, code. */
  native_mb: number;
}

export async function memoryBreakdown(api: ApiProcess): Promise<MemoryBreakdown> {
  const { memory: m } = await api.getJson<StatusDto>('/status');
  // Node counts Buffers in `external`, but with a worker thread `arrayBuffers` can come out larger
  const outside = Math.max(m.external_mb, m.array_buffers_mb);
  return {
    ...m,
    native_mb: +(m.rss_mb - m.heap_total_mb - outside).toFixed(1),
  };
}

/** One line for the progress log. */
export const describeMemory = (b: MemoryBreakdown) =>
  `V8 heap ${num(b.heap_used_mb)} of ${num(b.heap_total_mb)} MB, buffers ${num(b.array_buffers_mb)} MB, ` +
  `external ${num(b.external_mb)} MB, native ${num(b.native_mb)} MB` +
  (b.last_collection_ms === null ? '' : `, last full GC ${num(b.last_collection_ms, 1)} ms`);
