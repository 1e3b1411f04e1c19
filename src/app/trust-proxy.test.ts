import { describe, expect, it } from 'vitest';
import { parseTrustProxy } from './trust-proxy.ts';

describe('parseTrustProxy', () => {
  it('trusts nobody by default', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('')).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
  });

  it('takes true, a hop count, names, addresses and subnets', () => {
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('loopback')).toBe('loopback');
    expect(parseTrustProxy(' loopback , 10.0.0.0/8, ::1 ')).toBe('loopback,10.0.0.0/8,::1');
  });

  it('refuses anything else with ERR_CONFIG naming the bad entry', () => {
    for (const bad of ['yes', 'localhost', '10.0.0.0/33', '::1/129', '1.2.3.4/8/9', '999']) {
      expect(() => parseTrustProxy(bad), bad).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
    }
  });
});
