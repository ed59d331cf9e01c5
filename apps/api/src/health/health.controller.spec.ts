import { describe, expect, it } from 'vitest';
import { HealthController } from './health.controller';

describe('HealthController', () => {
  it('answers the seed health check', () => {
    expect(new HealthController().health()).toEqual({
      status: 'healthy',
      service: 'tft_inference_daemon',
      running: true,
    });
  });
});
