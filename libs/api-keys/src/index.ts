// Framework-free: the daemons' config and startup code and any other server code may import this.
// The Nest guard, decorators and OpenAPI helpers are the separate entry point `@tft/api-keys/nest`.
export * from './lib/access';
export * from './lib/api-keys';
