import { configure, parse, util, type Type } from 'protobufjs';
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

// int64 as plain numbers, not Long objects: millisecond timestamps are far below 2^53, and a Long per
// sample was a large share of the receiver's garbage
util.Long = undefined as unknown as typeof util.Long;
configure();

const WRITE_REQUEST: Type = parse(REMOTE_PROTO, { keepCase: true }).root.lookupType('prometheus.WriteRequest');

export interface Label {
  name: string;
  value: string;
}

export interface Sample {
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
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

/** The decoder's objects: proto3 defaults (empty strings, 0) sit on the prototype, so fields always read. */
interface DecodedRequest {
  timeseries: TimeSeries[];
  metadata: unknown[];
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
  return { timeseries: decoded.timeseries, metadataCount: decoded.metadata.length };
}

/** Encodes a WriteRequest as Prometheus sends it, snappy included (tests, the benchmark). */
export function encodeWriteRequest(request: { timeseries: TimeSeries[] }): Uint8Array {
  return compress(WRITE_REQUEST.encode(WRITE_REQUEST.fromObject(request)).finish());
}
