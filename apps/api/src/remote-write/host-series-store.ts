import type { SeriesState, SeriesStateChange } from '@tft/remote-write';
import type { AcceptedSample, ApplyResult } from '../window/window.service';

/**
 * Where the host series path keeps the hosts' series state (counter baselines, duplicate horizons) with
 * the samples it derived, in one durable write, and finds it again after a restart. A port the remote
 * write module owns; the windows provide it (AppModule wires them), so the state moves wherever the
 * windows of a host go (with its partition, in cluster mode).
 */
export interface HostSeriesStore {
  apply(samples: readonly AcceptedSample[], states: readonly SeriesStateChange[]): Promise<ApplyResult>;
  /** A host's series states as stored before a restart, asked for once, when the host is first seen. */
  takeStoredSeries(server: string): Map<string, SeriesState> | undefined;
}

export const HOST_SERIES_STORE = Symbol('HOST_SERIES_STORE');
