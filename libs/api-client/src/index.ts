// Public surface of @tft/api-client. Everything under ./generated is written by
// tools/generate-client.mjs from the OpenAPI documents and never edited by hand.

// One fetch client runtime, shared by both clients.
export { createClient, createConfig, type Client, type Config } from './generated/runtime/client/index';

// Inference api (apps/api/openapi.json): SDK functions and DTO types at the top level.
export * from './generated/api/index';
export { client as apiClient } from './generated/api/client.gen';

// Metrics generator (generator-openapi.json): under a namespace, because both documents define
// types such as HealthDto.
export * as generator from './generated/generator/index';
export { client as generatorClient } from './generated/generator/client.gen';
