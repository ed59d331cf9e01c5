import { Counter, Gauge, Histogram, Registry, type RegistryContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { expositionFormat, openMetricsFamilies } from './open-metrics';

/** What Prometheus 2.42 sends when it scrapes (scrape.go's acceptHeader). */
const PROMETHEUS_2_42 =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('expositionFormat', () => {
  it.each([
    [undefined, 'text'],
    ['', 'text'],
    ['*/*', 'text'],
    ['text/plain', 'text'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text'],
    ['application/json', 'text'],
    ['application/openmetrics-text, text/plain', 'text'], // a tie keeps the default
    ['application/openmetrics-text;q=0.5, text/plain', 'text'],
    ['application/openmetrics-text;q=0, */*', 'text'],
    [PROMETHEUS_2_42, 'openmetrics'],
    ['application/openmetrics-text', 'openmetrics'],
    ['Application/OpenMetrics-Text; version=1.0.0', 'openmetrics'],
    ['application/openmetrics-text, text/plain;q=0.9', 'openmetrics'],
    ['text/plain;q=0.2, */*', 'openmetrics'], // the specific range wins over the wildcard
  ] as const)('%s -> %s', (accept, format) => {
    expect(expositionFormat(accept)).toBe(format);
  });
});

describe('openMetricsFamilies', () => {
  it('renames counter families, keeps their samples, drops blank lines and free comments', () => {
    const text = [
      '# HELP tft_x_total Things done',
      '# TYPE tft_x_total counter',
      'tft_x_total{route="/a"} 3',
      '',
      '# HELP tft_bare A counter without the suffix',
      '# TYPE tft_bare counter',
      'tft_bare 1',
      'tft_bare_created 1700000000',
      '',
      '# a free comment',
      '# HELP tft_g_total A gauge that ends in _total',
      '# TYPE tft_g_total gauge',
      'tft_g_total 2',
      '',
      '# HELP tft_u Untyped',
      '# TYPE tft_u untyped',
      'tft_u 5',
      '',
    ].join('\n');
    expect(openMetricsFamilies(text)).toBe(
      [
        '# HELP tft_x Things done',
        '# TYPE tft_x counter',
        'tft_x_total{route="/a"} 3',
        '# HELP tft_bare A counter without the suffix',
        '# TYPE tft_bare counter',
        'tft_bare_total 1',
        'tft_bare_created 1700000000',
        '# HELP tft_g_total A gauge that ends in _total',
        '# TYPE tft_g_total gauge',
        'tft_g_total 2',
        '# HELP tft_u Untyped',
        '# TYPE tft_u unknown',
        'tft_u 5',
        '',
      ].join('\n'),
    );
    expect(openMetricsFamilies('')).toBe('');
  });

  it("writes what prom-client's own OpenMetrics mode writes, without renaming the metric objects", async () => {
    const build = (contentType?: typeof Registry.OPENMETRICS_CONTENT_TYPE) => {
      const registry = new Registry<RegistryContentType>();
      if (contentType) registry.setContentType(contentType);
      new Counter({ name: 'tft_done_total', help: 'done', labelNames: ['outcome'], registers: [registry] }).inc({ outcome: 'ok' }, 2);
      new Gauge({ name: 'tft_level_ratio', help: 'level', registers: [registry] }).set(0.25);
      new Histogram({ name: 'tft_took_seconds', help: 'took', buckets: [0.1, 1], registers: [registry] }).observe(0.5);
      return registry;
    };
    const text = build();
    const converted = openMetricsFamilies(await text.metrics());
    expect(`${converted}# EOF\n`).toBe(await build(Registry.OPENMETRICS_CONTENT_TYPE).metrics());
    expect(converted).toMatch(/^tft_done_total\{outcome="ok"\} 2$/m);
    expect(converted).toMatch(/^# TYPE tft_done counter$/m);
    expect(converted).toMatch(/^tft_took_seconds_bucket\{le="\+Inf"\} 1$/m);
    // the registry still writes the text format as before
    expect(await text.metrics()).toMatch(/^# TYPE tft_done_total counter\ntft_done_total\{outcome="ok"\} 2$/m);
  });
});
