import { describe, expect, it } from 'vitest';
import { accessLines, ApiKeyVerifier, listenHost, parseApiKeys, presentedKey } from './api-keys';

describe('API keys', () => {
  it('reads API_KEY and API_KEYS together, trimmed and deduplicated', () => {
    expect(parseApiKeys(undefined, undefined)).toEqual([]);
    expect(parseApiKeys('', ' , ')).toEqual([]);
    expect(parseApiKeys('primary-key-1', ' second-key-2 ,third-key-3,primary-key-1')).toEqual([
      'primary-key-1',
      'second-key-2',
      'third-key-3',
    ]);
  });

  it('rejects short or odd keys without echoing them', () => {
    expect(() => parseApiKeys('short', undefined)).toThrow(
      'key 1 must be 8-256 visible ASCII characters without spaces or commas (it has 5 characters)',
    );
    expect(() => parseApiKeys(undefined, 'good-key-123,has space in it')).toThrow('key 2 must be');
    expect(() => parseApiKeys('sécret-key-1', undefined)).not.toThrow(/sécret/);
    expect(() => parseApiKeys('sécret-key-1', undefined)).toThrow('key 1');
  });

  it('accepts exactly the configured keys', () => {
    const v = new ApiKeyVerifier(['alpha-key-0001', 'bravo-key-0002']);
    expect(v.enabled).toBe(true);
    expect(v.verify('alpha-key-0001')).toBe(true);
    expect(v.verify('bravo-key-0002')).toBe(true);
    expect(v.verify('alpha-key-000')).toBe(false);
    expect(v.verify('alpha-key-00011')).toBe(false);
    expect(v.verify('')).toBe(false);
    expect(v.verify(undefined)).toBe(false);
    expect(new ApiKeyVerifier([]).enabled).toBe(false);
    expect(new ApiKeyVerifier([]).verify('anything-at-all')).toBe(false);
  });

  it('takes the key from X-API-Key or a Bearer authorization', () => {
    expect(presentedKey({ 'x-api-key': 'k-from-header' })).toBe('k-from-header');
    expect(presentedKey({ authorization: 'Bearer k-from-bearer' })).toBe('k-from-bearer');
    expect(presentedKey({ authorization: 'bearer  k-lower ' })).toBe('k-lower');
    expect(presentedKey({ authorization: 'Basic dXNlcjpwdw==' })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
  });

  it('warns loudly only when no key is configured', () => {
    expect(accessLines('the api', [], '0.0.0.0', 'POST /feed/data', 'API_HOST').warning).toMatch(
      /^NO API KEY CONFIGURED: the api accepts POST \/feed\/data from anyone who can reach 0.0.0.0/,
    );
    expect(accessLines('the api', ['some-key-123'], '0.0.0.0', 'POST /feed/data', 'API_HOST')).toEqual({
      info: 'the api listens on every interface',
      warning: null,
    });
    expect(accessLines('the api', [], '127.0.0.1', 'POST /feed/data', 'API_HOST')).toEqual({
      info: 'the api listens on 127.0.0.1 only (no API key configured; set API_HOST=0.0.0.0 to listen on every interface)',
      warning:
        'NO API KEY CONFIGURED: the api accepts POST /feed/data from any local process. Set API_KEY or API_KEYS to require a key (see docs/OPERATIONS.md).',
    });
  });

  it('listens on loopback only without a key, unless told otherwise', () => {
    expect(listenHost([], undefined)).toBe('127.0.0.1');
    expect(listenHost([], ' ')).toBe('127.0.0.1');
    expect(listenHost(['some-key-123'], undefined)).toBe('0.0.0.0');
    expect(listenHost([], '0.0.0.0')).toBe('0.0.0.0');
    expect(listenHost(['some-key-123'], '10.0.0.5')).toBe('10.0.0.5');
  });
});
