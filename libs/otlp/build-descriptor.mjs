// Builds src/lib/otlp-descriptor.json from the vendored opentelemetry-proto files (proto/, Apache-2.0):
// the api bundles JSON, not .proto files. Run after updating proto/: `npx nx run otlp:descriptor`.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const here = dirname(fileURLToPath(import.meta.url));
const protoRoot = join(here, 'proto');

export function buildDescriptor() {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoRoot, target);
  root.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto');
  return root.toJSON();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = join(here, 'src/lib/otlp-descriptor.json');
  writeFileSync(out, JSON.stringify(buildDescriptor(), null, 2) + '\n');
  console.log(`wrote ${out}`);
}
