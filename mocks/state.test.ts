import { describe, expect, it } from 'vitest';
import { createMockState, MAX_LOG_ENTRIES, MAX_TOKENS, recordRequest, rememberToken } from './state.ts';

describe('mock state bounds', () => {
  it('forgets the oldest tokens beyond MAX_TOKENS, still counting every issue', () => {
    const state = createMockState('happy');
    for (let i = 0; i <= MAX_TOKENS; i += 1) {
      rememberToken(state, `t${i}`, { clientKey: 'c', scopes: [], repository: undefined, issuedAt: i, expiresAt: i + 1 });
    }
    expect(state.tokens.size).toBe(MAX_TOKENS);
    expect(state.tokens.has('t0')).toBe(false);
    expect(state.tokens.has(`t${MAX_TOKENS}`)).toBe(true);
    expect(state.counts.tokensIssued).toBe(MAX_TOKENS + 1);
  });

  it('keeps the latest MAX_LOG_ENTRIES requests, still counting all', () => {
    const state = createMockState('happy');
    const request = new Request('https://api.bitbucket.org/2.0/user', { headers: { Authorization: 'Bearer x' } });
    for (let i = 0; i < MAX_LOG_ENTRIES + 5; i += 1) {
      recordRequest(state, { kind: 'api', endpoint: 'GET /2.0/user', request, body: undefined, at: i });
    }
    expect(state.log).toHaveLength(MAX_LOG_ENTRIES);
    expect(state.log[0]?.at).toBe(5);
    expect(state.log[0]?.headers).toEqual({ authorization: 'Bearer x' });
    expect(state.counts).toEqual({ exchanges: 0, tokensIssued: 0, apiCalls: MAX_LOG_ENTRIES + 5, byEndpoint: { 'GET /2.0/user': MAX_LOG_ENTRIES + 5 } });
  });
});
