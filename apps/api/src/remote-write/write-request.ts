import { parse, type Type } from 'protobufjs';
import { compress, uncompress } from 'snappyjs';

/**
 * The part of Prometheus' remote-write 1.0 protocol (prompb/remote.proto, types.proto) the receiver
 * reads. Fields we do not declare (exemplars, native histograms, metadata details) are skipped by the
 * decoder, as protobuf does with unknown fields.
 */
const REMOTE_PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest {
  repeated TimeSeries timeseries = 1;
  repeated MetricMetadata metadata = 3;
}
message TimeSeries {
  repeated Label labels = 1;
  repeated Sample samples = 2;
}
message Label {
  string name = 1;
  string value = 2;
}
message Sample {
  double value = 1;
  int64 timestamp = 2;
}
message MetricMetadata {
  string metric_family_name = 4;
}
`;

const WRITE_REQUEST: Type = parse(REMOTE_PROTO, { keepCase: true }).root.lookupType('prometheus.WriteRequest');

export interface Label {
  name: string;
  value: string;
}

export interface Sample {
  value: number;
  /** Milliseconds since the epoch. */
  timestampMs: number;
}

export interface TimeSeries {
  labels: Label[];
  samples: Sample[];
}

export interface WriteRequest {
  timeseries: TimeSeries[];
  /** Metadata entries (sent every minute unless `metadata_config: {send: false}`); the receiver ignores them. */
  metadataCount: number;
}

/** The body is not a snappy-compressed WriteRequest: a 400, which Prometheus does not retry. */
export class UndecodableWriteError extends Error {}

interface DecodedSample {
  value?: number;
  timestamp?: number | { toNumber(): number };
}

interface DecodedRequest {
  timeseries?: { labels?: Partial<Label>[]; samples?: DecodedSample[] }[];
  metadata?: unknown[];
}

/** Decodes a remote-write body: snappy block format around a protobuf WriteRequest. */
export function decodeWriteRequest(body: Uint8Array): WriteRequest {
  if (body.length === 0) return { timeseries: [], metadataCount: 0 };
  let raw: Uint8Array;
  try {
    raw = uncompress(body);
  } catch (err) {
    throw new UndecodableWriteError(
      `body is not snappy block-compressed (${(err as Error).message}); remote write 1.0 sends Content-Encoding: snappy`,
    );
  }
  let decoded: DecodedRequest;
  try {
    decoded = WRITE_REQUEST.decode(raw) as unknown as DecodedRequest;
  } catch (err) {
    throw new UndecodableWriteError(`body is not a protobuf WriteRequest: ${(err as Error).message}`);
  }
  return {
    timeseries: (decoded.timeseries ?? []).map((ts) => ({
      labels: (ts.labels ?? []).map((l) => ({ name: l.name ?? '', value: l.value ?? '' })),
      samples: (ts.samples ?? []).map((s) => ({
        value: s.value ?? 0,
        // int64 comes back as a Long when long.js is present, else as a number
        timestampMs: typeof s.timestamp === 'object' && s.timestamp !== null ? s.timestamp.toNumber() : Number(s.timestamp ?? 0),
      })),
    })),
    metadataCount: decoded.metadata?.length ?? 0,
  };
}

/** Encodes a WriteRequest as Prometheus sends it, snappy included (tests, the benchmark). */
export function encodeWriteRequest(request: { timeseries: TimeSeries[] }): Uint8Array {
  const message = WRITE_REQUEST.fromObject({
    timeseries: request.timeseries.map((ts) => ({
      labels: ts.labels,
      samples: ts.samples.map((s) => ({ value: s.value, timestamp: s.timestampMs })),
    })),
  });
  return compress(WRITE_REQUEST.encode(message).finish());
}
