import { describe, expect, it } from 'vitest';
import { checkTimeoutMs, sendRequest } from './send.ts';
import type { SendOptions } from './send.ts';

const URL_ = 'https://api.bitbucket.example/2.0/user';

function options(fetchImpl: (input: string | URL | Request, init?: RequestInit) => Promise<Response>, extra: Partial<SendOptions> = {}): SendOptions {
  return {
    fetch: fetchImpl as typeof fetch,
    url: URL_,
    init: { method: 'GET' },
    timeoutMs: 1_000,
    maxBodyBytes: 1024,
    target: `GET ${URL_}`,
    lesson: 5,
    ...extra,
  };
}

/** A fetch that never answers but, like the real one, rejects when its signal aborts. */
const hangingFetch = (_input: string | URL | Request, init?: RequestInit) =>
  new Promise<Response>((_resolve, reject) => {
    init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
  });

describe('sendRequest', () => {
  it('returns status, headers and the body as text, passing init through', async () => {
    let seen: RequestInit | undefined;
    const response = await sendRequest(
      options(async (_url, init) => {
        seen = init;
        return new Response('{"ok":true}', { status: 201, headers: { 'x-test': 'yes' } });
      }, { init: { method: 'GET', headers: { Accept: 'application/json' } } }),
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('x-test')).toBe('yes');
    expect(response.body).toBe('{"ok":true}');
    expect(seen?.headers).toEqual({ Accept: 'application/json' });
    expect(seen?.signal).toBeInstanceOf(AbortSignal);
  });

  it('decodes multi-byte UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('naïve ✓');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 3));
        controller.enqueue(bytes.slice(3));
        controller.close();
      },
    });
    const response = await sendRequest(options(async () => new Response(body)));
    expect(response.body).toBe('naïve ✓');
  });

  it('turns the deadline into ERR_TIMEOUT with the timeout in the message', async () => {
    const error = await sendRequest(options(hangingFetch, { timeoutMs: 20 })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_TIMEOUT', timeoutMs: 20, lesson: 5 });
    expect((error as Error).message).toContain('within 20 ms');
  });

  it('keeps the deadline even against a fetch that ignores its signal', async () => {
    const deaf = () => new Promise<Response>(() => undefined);
    await expect(sendRequest(options(deaf, { timeoutMs: 20 }))).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
  });

  it("turns the caller's abort into ERR_ABORTED, not a timeout", async () => {
    const controller = new AbortController();
    const pending = sendRequest(options(hangingFetch, { signal: controller.signal }));
    controller.abort(new Error('user pressed ctrl-c'));
    await expect(pending).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });

  it('does not call fetch at all when the signal is already aborted', async () => {
    let calls = 0;
    const error = await sendRequest(
      options(async () => {
        calls += 1;
        return new Response('');
      }, { signal: AbortSignal.abort() }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_ABORTED' });
    expect(calls).toBe(0);
  });

  it('turns a thrown fetch into ERR_NETWORK, naming the system error', async () => {
    const refused = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    };
    const error = await sendRequest(options(refused)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_NETWORK', systemCode: 'ECONNREFUSED', target: `GET ${URL_}` });
    expect((error as Error).message).toContain('nothing is listening');
  });

  it('turns a connection broken mid-body into ERR_NETWORK', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"partial":'));
        controller.error(new Error('socket hang up'));
      },
    });
    await expect(sendRequest(options(async () => new Response(body)))).rejects.toMatchObject({ code: 'ERR_NETWORK' });
  });

  it('refuses a body over the bound, declared or streamed', async () => {
    const declared = async () => new Response('x'.repeat(10), { headers: { 'content-length': '999999' } });
    await expect(sendRequest(options(declared))).rejects.toMatchObject({ code: 'ERR_RESPONSE_TOO_LARGE', maxBytes: 1024 });
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(512));
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(sendRequest(options(async () => new Response(endless)))).rejects.toMatchObject({ code: 'ERR_RESPONSE_TOO_LARGE' });
    expect(cancelled).toBe(true);
  });
});

/** A fetch whose gate (gated-fetch.ts) waits `gateMs`, like a person reading the request; it logs both calls. */
function gatedFetch(gateMs: number, log: string[], gate?: (init?: RequestInit) => Promise<void>) {
  return Object.assign(
    async (_input: RequestInfo | URL, init?: RequestInit) => {
      log.push(`fetch, deadline ${init?.signal?.aborted ? 'passed' : 'running'}`);
      return new Response('{"ok":true}');
    },
    {
      beforeSend: async (_input: RequestInfo | URL, init?: RequestInit) => {
        log.push('gate');
        await (gate ? gate(init) : new Promise((resolve) => setTimeout(resolve, gateMs)));
      },
    },
  );
}

describe('sendRequest with a gated fetch', () => {
  it('starts the deadline once the gate lets the request go: a slow confirmation is no timeout', async () => {
    const log: string[] = [];
    const response = await sendRequest(options(gatedFetch(150, log), { timeoutMs: 50 }));
    expect(response.body).toBe('{"ok":true}');
    expect(log).toEqual(['gate', 'fetch, deadline running']);
  });

  it("lets the gate's refusal through as it is, and sends nothing", async () => {
    const log: string[] = [];
    const declined = new Error('You chose not to send it');
    const fetch = gatedFetch(0, log, async () => Promise.reject(declined));
    await expect(sendRequest(options(fetch))).rejects.toBe(declined);
    expect(log).toEqual(['gate']);
  });

  it("gives the gate the caller's signal, and a caller's abort during the gate is ERR_ABORTED", async () => {
    const log: string[] = [];
    const controller = new AbortController();
    let gateSignal: AbortSignal | undefined;
    const fetch = gatedFetch(0, log, async (init) => {
      gateSignal = init?.signal ?? undefined;
      // A gate that does not listen to the signal: sendRequest must not wait for it.
      await new Promise(() => {});
    });
    const pending = sendRequest(options(fetch, { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    controller.abort(new Error('the caller gave up'));
    await expect(pending).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(gateSignal, "the gate gets the caller's own signal, not the deadline's").toBe(controller.signal);
    expect(log, 'nothing was sent').toEqual(['gate']);
  });
});

describe('checkTimeoutMs', () => {
  it('accepts a positive number of milliseconds a timer can hold', () => {
    expect(checkTimeoutMs(10_000, 'timeoutMs')).toBe(10_000);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31])('refuses %s with ERR_INVALID_OPTION', (value) => {
    expect(() => checkTimeoutMs(value, 'timeoutMs')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});
