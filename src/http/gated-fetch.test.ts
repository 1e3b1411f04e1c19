import { describe, expect, it } from 'vitest';
import { awaitGate, keepGate, type GatedFetch } from './gated-fetch.ts';

/** A fetch that answers 204 and logs what happens, with a gate that opens when `open` is called. */
function gatedFetch(log: string[]) {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  const fetch: GatedFetch = Object.assign(
    async (input: RequestInfo | URL) => {
      log.push(`fetch ${String(input)}`);
      return new Response(null, { status: 204 });
    },
    {
      beforeSend: async (input: RequestInfo | URL, init?: RequestInit) => {
        log.push(`gate ${init?.method ?? 'GET'} ${String(input)}`);
        await opened;
        log.push('gate open');
      },
    },
  );
  return { fetch, open: () => open() };
}

describe('awaitGate', () => {
  it('waits for the gate, with the arguments the fetch will get, and sends nothing', async () => {
    const log: string[] = [];
    const { fetch, open } = gatedFetch(log);
    let passed = false;
    const waiting = awaitGate(fetch, 'https://example.test/x', { method: 'POST' }).then(() => (passed = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(passed, 'still waiting while the gate is closed').toBe(false);
    open();
    await waiting;
    expect(log).toEqual(['gate POST https://example.test/x', 'gate open']);
  });

  it('passes at once for a fetch without a gate', async () => {
    let called = false;
    const plain: typeof fetch = async () => {
      called = true;
      return new Response();
    };
    await expect(awaitGate(plain, 'https://example.test/')).resolves.toBeUndefined();
    expect(called, 'awaitGate never sends').toBe(false);
  });

  it("rejects with the gate's own error", async () => {
    const declined = new Error('declined');
    const fetch = Object.assign(async () => new Response(), { beforeSend: async () => Promise.reject(declined) });
    await expect(awaitGate(fetch, 'https://example.test/')).rejects.toBe(declined);
  });
});

describe('keepGate', () => {
  it("gives a wrapper the gate of the fetch it wraps, and calls the wrapper to send", async () => {
    const log: string[] = [];
    const { fetch, open } = gatedFetch(log);
    const wrapper = keepGate(async (input, init) => {
      log.push('wrapper');
      return fetch(input, init);
    }, fetch);
    open();
    await awaitGate(wrapper, 'https://example.test/a');
    expect((await wrapper('https://example.test/a')).status).toBe(204);
    expect(log).toEqual(['gate GET https://example.test/a', 'gate open', 'wrapper', 'fetch https://example.test/a']);
  });

  it('returns the wrapper itself when the inner fetch has no gate', () => {
    const wrapper: typeof fetch = async () => new Response();
    const plain: typeof fetch = async () => new Response();
    expect(keepGate(wrapper, plain)).toBe(wrapper);
  });
});
