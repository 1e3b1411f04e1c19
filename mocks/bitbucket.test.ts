import { setupServer } from 'msw/node';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../src/store/memory.ts';
import { createBitbucketMock } from './bitbucket.ts';
import { API } from './test-support.ts';

describe('createBitbucketMock', () => {
  it('refuses options it cannot use, with ERR_MOCK_OPTIONS', () => {
    const installations = createMemoryStore();
    const cases: Array<[unknown, RegExp]> = [
      [{}, /installations/],
      [{ installations, apiUrl: 'api.bitbucket.org' }, /apiUrl="api\.bitbucket\.org" is not an absolute URL/],
      [{ installations, bitbucketUrl: 'ftp://bitbucket.org' }, /must be an http\(s\) URL/],
      [{ installations, bitbucketUrl: 'https://bitbucket.org?x=1' }, /without query/],
      [{ installations, scenario: 'chaos' }, /Unknown scenario "chaos"/],
      [{ installations, slowMs: 1.5 }, /slowMs=1.5/],
    ];
    for (const [options, message] of cases) {
      expect(() => createBitbucketMock(options as never)).toThrowError(expect.objectContaining({ code: 'ERR_MOCK_OPTIONS', message: expect.stringMatching(message) }));
    }
  });

  it('gives handlers that plain setupServer serves, and each mock its own state', async () => {
    const first = createBitbucketMock({ installations: createMemoryStore() });
    const second = createBitbucketMock({ installations: createMemoryStore(), apiUrl: 'https://api.example.test/' });
    const server = setupServer(...first.handlers, ...second.handlers);
    server.listen({ onUnhandledRequest: 'error' });
    try {
      await fetch(`${API}/2.0/user`);
      await fetch('https://api.example.test/2.0/user');
      await fetch('https://api.example.test/2.0/user');
      expect(first.state.counts.apiCalls).toBe(1);
      expect(second.state.counts.apiCalls).toBe(2);
      expect(second.state.log[0]?.url).toBe('https://api.example.test/2.0/user');
    } finally {
      server.close();
    }
  });
});
