import { describe, expect, it } from 'vitest';
import { exposedNames, metricNames, variableQueryNames } from './monitoring-mixin';

describe('metricNames (the PromQL names the mixin check looks up)', () => {
  it.each([
    ['up{job="tft"} == 0', ['up']],
    ['absent(up{job="tft"})', ['up']],
    ['sum without (instance) (rate(tft_ingest_samples_total{job="tft"}[5m]))', ['tft_ingest_samples_total']],
    [
      'histogram_quantile(0.95, sum by (job, le) (rate(tft_forecast_pass_duration_seconds_bucket{job="$job", instance=~"$instance"}[$__rate_interval])))',
      ['tft_forecast_pass_duration_seconds_bucket'],
    ],
    [
      'max(tft_alert_threshold_load_average{job="$job", metric="load_average"} * on (profile) group_left () max by (profile) (tft_server_info{server="$server"}))',
      ['tft_alert_threshold_load_average', 'tft_server_info'],
    ],
    [
      'min by (job) (tft_newest_forecast_age_seconds) > 3 * max by (job) (tft_forecast_step_seconds) or max by (job) (tft_forecast_step_seconds) unless on (job) tft_newest_forecast_age_seconds',
      ['tft_newest_forecast_age_seconds', 'tft_forecast_step_seconds'],
    ],
    ['sum(job:tft_servers_breaching_within_1h:count{severity="critical"}) or vector(0)', ['job:tft_servers_breaching_within_1h:count']],
    ['time() - tft_data_time_seconds offset 5m', ['tft_data_time_seconds']],
    ['label_replace(tft_servers, "by", "$1", "model", "(.*)") > bool 0 # and a comment naming not_a_metric', ['tft_servers']],
    ['topk(10, x) / ignoring(a, b) group_right(c) y[5m:1m] > +Inf', ['x', 'y']],
    ['sum by (le) (rate(a_bucket[1m])) and on() b_total', ['a_bucket', 'b_total']],
  ])('%s', (expr, names) => {
    expect(metricNames(expr).sort()).toEqual([...names].sort());
  });
});

describe('variableQueryNames', () => {
  it('reads the selector of label_values and the expression of query_result', () => {
    expect(variableQueryNames('label_values(tft_server_info{job="$job"}, server)')).toEqual(['tft_server_info']);
    expect(variableQueryNames('label_values(job)')).toEqual([]);
    expect(variableQueryNames('query_result(topk(5, tft_servers))')).toEqual(['tft_servers']);
    expect(() => variableQueryNames('metrics(tft_.*)')).toThrow(/does not know/);
  });
});

describe('exposedNames', () => {
  it('lists sample names as written, histogram parts included, not family names', () => {
    const text = [
      '# HELP tft_took_seconds took',
      '# TYPE tft_took_seconds histogram',
      'tft_took_seconds_bucket{le="+Inf"} 1',
      'tft_took_seconds_sum 0.5',
      'tft_took_seconds_count 1',
      'tft_servers{model="TFT"} 2',
    ].join('\n');
    expect([...exposedNames(text)].sort()).toEqual([
      'tft_servers',
      'tft_took_seconds_bucket',
      'tft_took_seconds_count',
      'tft_took_seconds_sum',
    ]);
  });
});
