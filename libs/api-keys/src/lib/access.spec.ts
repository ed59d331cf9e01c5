import { describe, expect, it } from 'vitest';
import { accessOf } from './access';

describe('accessOf', () => {
  it('treats every method but GET/HEAD/OPTIONS as a write, whatever the annotation', () => {
    expect(accessOf('GET', undefined)).toBe('read');
    expect(accessOf('HEAD', 'read')).toBe('read');
    expect(accessOf('options', undefined)).toBe('read');
    expect(accessOf('GET', 'write')).toBe('write');
    expect(accessOf('POST', undefined)).toBe('write');
    expect(accessOf('DELETE', 'read')).toBe('write');
    expect(accessOf('patch', 'read')).toBe('write');
  });
});
