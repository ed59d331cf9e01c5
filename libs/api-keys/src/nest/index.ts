export * from './access.decorators';
export * from './api-key.guard';
export * from './openapi';
