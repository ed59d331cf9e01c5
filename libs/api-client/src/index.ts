// Public surface of @tft/api-client. Everything under ./generated is written by
// tools/generate-client.mjs from the OpenAPI documents and never edited by hand.

// Inference api (apps/api/openapi.json): SDK functions and DTO types at the top level.
export * from './generated/api/index';
export { client as apiClient } from './generated/api/client.gen';
export {
  createClient,
  createConfig,
  type Client,
  type Config,
} from './generated/api/client/index';

// Metrics generator (generator-openapi.json, saved from its /docs-json): under a namespace, because
// both documents define types such as HealthDto.
export * as generator from './generated/generator/index';
export { client as generatorClient } from './generated/generator/client.gen';
