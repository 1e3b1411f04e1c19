import { describe, expect, it } from 'vitest';
import { installationFromPayload, installedPayload } from '../../mocks/fixtures/lifecycle.ts';
import { repositoryFixtures } from '../../mocks/fixtures/repositories.ts';
import { installApp } from '../../mocks/install.ts';
import { createBitbucketClient } from '../../src/bitbucket/client.ts';
import { awaitGate } from '../../src/http/gated-fetch.ts';
import { sendRequest } from '../../src/http/send.ts';
import { exchangeJwtForToken } from '../../src/oauth/exchange.ts';
import { formatExchangeAsHttp, formatRequestForTerminal, formatResponseForTerminal, type HttpExchange, type RecordedRequest } from './exchange.ts';
import { createRecordingFetch, type RecordingFetchOptions } from './recording-fetch.ts';
import { createStyle } from './style.ts';

function recorder(send: typeof fetch, overrides: Partial<RecordingFetchOptions> = {}) {
  const events: string[] = [];
  const secrets: string[] = [];
  const exchanges: HttpExchange[] = [];
  const fetch = createRecordingFetch({
    fetch: send,
    onRequest: (request) => events.push(`request ${request.method} ${request.url}`),
    confirm: async () => {
      events.push('confirm');
      return true;
    },
    onExchange: (exchange) => {
      events.push(`exchange ${exchange.response?.status ?? exchange.error}`);
      exchanges.push(exchange);
    },
    onSecret: (value) => {
      events.push('secret');
      secrets.push(value);
    },
    ...overrides,
  });
  return { fetch, events, secrets, exchanges };
}

const TOKEN_RESPONSE = { access_token: 'issued-access-token-0123456789', scopes: 'account repository', expires_in: 7200, token_type: 'bearer' };

describe('createRecordingFetch', () => {
  it('records the request as sent and the response, and leaves the response readable for the caller', async () => {
    const send: typeof globalThis.fetch = async (input) => {
      const request = input as Request;
      expect(await request.text(), 'the body still reaches the server').toBe('grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt');
      return Response.json(TOKEN_RESPONSE);
    };
    const { fetch, exchanges, events } = recorder(send);
    const response = await fetch('https://bitbucket.org/site/oauth2/access_token', {
      method: 'POST',
      headers: { Authorization: 'JWT eyJ.eyJ.sig' },
      body: new URLSearchParams({ grant_type: 'urn:bitbucket:oauth2:jwt' }),
    });
    expect(await response.json()).toEqual(TOKEN_RESPONSE);
    const [exchange] = exchanges;
    expect(exchange?.request.method).toBe('POST');
    expect(exchange?.request.headers).toContainEqual(['authorization', 'JWT eyJ.eyJ.sig']);
    expect(exchange?.request.headers).toContainEqual(['content-type', 'application/x-www-form-urlencoded;charset=UTF-8']);
    expect(exchange?.request.body).toBe('grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt');
    expect(exchange?.response?.status).toBe(200);
    expect(JSON.parse(exchange?.response?.body ?? '')).toEqual(TOKEN_RESPONSE);
    expect(events, 'printed, then confirmed, then sent').toEqual([
      'request POST https://bitbucket.org/site/oauth2/access_token',
      'confirm',
      'secret',
      'exchange 200',
    ]);
  });

  it('reports secrets before anything is printed: Bearer tokens, access_token, sharedSecret', async () => {
    const send: typeof globalThis.fetch = async () => Response.json({ nested: { sharedSecret: 'shared-secret-from-payload' }, ...TOKEN_RESPONSE });
    const { fetch, secrets, events } = recorder(send);
    await fetch('https://api.bitbucket.org/2.0/user', { headers: { Authorization: 'Bearer request-bearer-token-1234' } });
    expect(secrets).toEqual(['request-bearer-token-1234', 'shared-secret-from-payload', 'issued-access-token-0123456789']);
    expect(events.indexOf('secret'), 'the Bearer token is known before the request is printed').toBeLessThan(events.indexOf('request GET https://api.bitbucket.org/2.0/user'));
  });

  it('finds secrets in form bodies too', async () => {
    const { fetch, secrets } = recorder(async () => new Response(null, { status: 204 }));
    await fetch('https://example.test/x', { method: 'POST', body: new URLSearchParams({ client_secret: 'form-client-secret' }) });
    expect(secrets).toEqual(['form-client-secret']);
  });

  it('does not send a declined request', async () => {
    let sent = false;
    const { fetch } = recorder(
      async () => {
        sent = true;
        return new Response('');
      },
      { confirm: async () => false },
    );
    await expect(fetch('https://api.bitbucket.org/2.0/user')).rejects.toMatchObject({ code: 'ERR_REQUEST_DECLINED' });
    expect(sent).toBe(false);
  });

  it('records a network error and rethrows it', async () => {
    const { fetch, exchanges } = recorder(async () => {
      throw new TypeError('fetch failed');
    });
    await expect(fetch('https://api.bitbucket.org/2.0/user')).rejects.toThrow('fetch failed');
    expect(exchanges).toEqual([expect.objectContaining({ error: 'fetch failed' })]);
  });

  it('shows at most maxBodyBytes of a body, and binary bodies not at all', async () => {
    const { fetch, exchanges } = recorder(async (input) =>
      new URL((input as Request).url).pathname === '/big'
        ? new Response('x'.repeat(100), { headers: { 'content-type': 'text/plain' } })
        : new Response(new Uint8Array([0, 1, 2]), { headers: { 'content-type': 'image/png' } }),
    { maxBodyBytes: 10 });
    const big = await fetch('https://example.test/big');
    expect((await big.text()).length, 'the caller gets the whole body').toBe(100);
    await fetch('https://example.test/png');
    expect(exchanges[0]?.response?.body).toBe('xxxxxxxxxx\n…(truncated: only the first 10 bytes are shown)');
    expect(exchanges[1]?.response?.body).toBe('<image/png body, not shown>');
  });
});

describe('exchange formats', () => {
  const request: RecordedRequest = {
    method: 'POST',
    url: 'https://bitbucket.org/site/oauth2/access_token',
    headers: [['authorization', 'JWT eyJ.eyJ.sig'], ['content-type', 'application/x-www-form-urlencoded']],
    body: 'grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt',
  };
  const exchange: HttpExchange = {
    request,
    response: { status: 200, statusText: 'OK', headers: [['content-type', 'application/json']], body: '{"token_type":"bearer"}' },
  };

  it('writes the .http format: title, request line, headers, blank line, body, then the response as comments', () => {
    expect(formatExchangeAsHttp('Step 1: Exchange', exchange)).toBe(
      [
        '### Step 1: Exchange',
        'POST https://bitbucket.org/site/oauth2/access_token',
        'authorization: JWT eyJ.eyJ.sig',
        'content-type: application/x-www-form-urlencoded',
        '',
        'grant_type=urn%3Abitbucket%3Aoauth2%3Ajwt',
        '',
        '# Response: 200 OK',
        '# content-type: application/json',
        '#',
        '# {',
        '#   "token_type": "bearer"',
        '# }',
        '',
      ].join('\n'),
    );
  });

  it('keeps a body line from starting a new request', () => {
    const text = formatExchangeAsHttp('T', { request: { ...request, body: '### not a title' }, error: 'refused' });
    expect(text).toContain('\n ### not a title\n');
    expect(text).toContain('# No response: refused');
    expect(text.match(/^###/gm)).toHaveLength(1);
  });

  it('prints the request and the response for the terminal, JSON indented', () => {
    const style = createStyle(false);
    expect(formatRequestForTerminal(request, style)[0]).toBe('→ POST https://bitbucket.org/site/oauth2/access_token');
    expect(formatResponseForTerminal(exchange, style)).toEqual(['← 200 OK', '  content-type: application/json', '', '  {', '    "token_type": "bearer"', '  }']);
    expect(formatResponseForTerminal({ request, error: 'timeout' }, style)).toEqual(['✗ no response: timeout']);
  });

  it('shows what the simulated Bitbucket made up (X-Lab-Note) first and prominently; the transcript keeps the header', () => {
    const noted: HttpExchange = {
      request,
      response: {
        status: 200,
        statusText: 'OK',
        headers: [
          ['content-type', 'application/json'],
          ['x-lab-note', 'the value of "state" is the mock\'s own; another invention'],
        ],
        body: undefined,
      },
    };
    expect(formatResponseForTerminal(noted, createStyle(false))).toEqual([
      '← 200 OK',
      '  ⚑ made up by the simulated Bitbucket: the value of "state" is the mock\'s own',
      '  ⚑ made up by the simulated Bitbucket: another invention',
      '  content-type: application/json',
    ]);
    const coloured = formatResponseForTerminal(noted, createStyle(true));
    expect(coloured[1], 'in colour where colour is on').toContain('\x1b[33m');
    expect(formatExchangeAsHttp('T', noted)).toContain('# x-lab-note: the value of "state" is the mock\'s own; another invention');
  });

  it('shortens a long JSON body on the terminal, naming the transcript, which keeps the body whole', () => {
    const repositories = repositoryFixtures();
    const body = JSON.stringify({ pagelen: 23, values: repositories });
    const long: HttpExchange = {
      request: { method: 'GET', url: 'https://api.bitbucket.org/2.0/repositories/teamsinspace', headers: [], body: undefined },
      response: { status: 200, statusText: 'OK', headers: [['content-type', 'application/json']], body },
    };
    const lines = formatResponseForTerminal(long, createStyle(false), { transcript: '.data/lesson-05.http' });
    expect(lines.length, 'status, a header, a blank line, at most 60 of body, the note').toBeLessThanOrEqual(64);
    expect(lines).toContain('      … 21 more values');
    expect(lines.at(-1)).toBe('  (shortened; the whole body is in .data/lesson-05.http)');
    const http = formatExchangeAsHttp('Step 2: List', long);
    for (const repository of repositories) expect(http, 'the transcript has every repository').toContain(`#       "full_name": "${repository.full_name}"`);
  });

  it('cuts a long text body, saying how many lines are left out and where they are', () => {
    const body = Array.from({ length: 500 }, (_, i) => `<p>${i}</p>`).join('\n');
    const exchange: HttpExchange = {
      request: { method: 'POST', url: 'http://127.0.0.1:3000/echo', headers: [['content-type', 'text/html']], body },
      response: { status: 200, statusText: 'OK', headers: [['content-type', 'text/html']], body },
    };
    const style = createStyle(false);
    const response = formatResponseForTerminal(exchange, style);
    expect(response.at(-1)).toBe('  … 441 more lines; the whole body is in the transcript (DATA_DIR/lesson-NN.http)');
    expect(response.at(-2)).toBe('  <p>58</p>');
    expect(formatRequestForTerminal(exchange.request, style, { transcript: 't.http' }).at(-1), 'request bodies too').toBe(
      '  … 441 more lines; the whole body is in t.http',
    );
    expect(formatExchangeAsHttp('T', exchange)).toContain('# <p>499</p>');
  });

  it('shows a response that broke off: its head, then why', () => {
    const exchange: HttpExchange = {
      request,
      response: { status: 200, statusText: 'OK', headers: [['content-type', 'application/json']], body: undefined },
      error: 'timed out after 10000 ms (TimeoutError)',
    };
    expect(formatResponseForTerminal(exchange, createStyle(false))).toEqual([
      '← 200 OK',
      '  content-type: application/json',
      '✗ the response broke off: timed out after 10000 ms (TimeoutError)',
    ]);
    expect(formatExchangeAsHttp('T', exchange)).toContain('# Response: 200 OK\n# content-type: application/json\n# The response broke off: timed out after 10000 ms');
  });
});

describe('createRecordingFetch: the outcome of a request, in order', () => {
  /** A fetch that never answers and ignores its signal, like a stuck connection. */
  const hanging: typeof globalThis.fetch = () => new Promise<Response>(() => {});

  it('reports a timeout when the deadline passes, before the caller goes on to its next request', async () => {
    const events: string[] = [];
    // What the clock reads: as each request starts, and as its deadline passes.
    const readings = [0, 2000, 5000, 5150];
    const fetch = createRecordingFetch({
      fetch: hanging,
      clock: () => readings.shift() ?? Number.NaN,
      onRequest: (r) => events.push(`→ ${r.method} ${r.url}`),
      confirm: async () => true,
      onExchange: (exchange) => events.push(`outcome ${exchange.error ?? exchange.response?.status}`),
      onSecret: () => {},
    });
    const send = (url: string) =>
      sendRequest({ fetch, url, init: {}, timeoutMs: 20, maxBodyBytes: 1024, target: `GET ${url}`, lesson: 5 });
    await expect(send('https://api.bitbucket.org/2.0/user')).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    events.push('the caller caught ERR_TIMEOUT');
    await expect(send('https://api.bitbucket.org/2.0/workspaces/x')).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    expect(events).toEqual([
      '→ GET https://api.bitbucket.org/2.0/user',
      'outcome timed out after 2000 ms (TimeoutError)',
      'the caller caught ERR_TIMEOUT',
      '→ GET https://api.bitbucket.org/2.0/workspaces/x',
      'outcome timed out after 150 ms (TimeoutError)',
    ]);
  });

  it('reports once: a late answer after the abort is dropped, and the caller gets the abort reason', async () => {
    let answer: (response: Response) => void = () => {};
    const late: typeof globalThis.fetch = () => new Promise<Response>((resolve) => (answer = resolve));
    const { fetch, exchanges } = recorder(late);
    const controller = new AbortController();
    const pending = fetch('https://api.bitbucket.org/2.0/user', { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 0));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]?.error).toMatch(/^aborted by the caller after \d+ ms \(AbortError\)$/);
    answer(new Response('late'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(exchanges, 'the late answer is not reported').toHaveLength(1);
  });

  it('names the cause and code of a network error', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const { fetch, exchanges } = recorder(async () => {
      throw new TypeError('fetch failed', { cause: refused });
    });
    await expect(fetch('http://127.0.0.1:9/')).rejects.toThrow('fetch failed');
    expect(exchanges[0]?.error).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)');
  });
});


/** Waits `ms` on a real timer: the learner reading, longer than the callers' 50 ms deadlines. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createRecordingFetch: time spent at "Send this request?" is not the request\'s', () => {
  /** A recorder whose learner reads each request for 150 ms before answering `answer`; `sent` counts what reached the server. */
  function slowReader(respond: (request: Request) => Response, answer = true) {
    const sent: string[] = [];
    const recorded = recorder(
      async (input) => {
        const request = input as Request;
        sent.push(`${request.method} ${request.url}`);
        return respond(request);
      },
      {
        confirm: async () => {
          recorded.events.push('confirm');
          await pause(150);
          return answer;
        },
      },
    );
    return { ...recorded, sent };
  }

  const installation = installationFromPayload(installedPayload({ appKey: 'jwt-grant-tutorial', sharedSecret: 'shared-secret-0123456789abcdef' }));
  const descriptor = { key: 'jwt-grant-tutorial', baseUrl: 'https://abc123.ngrok.app', lifecycle: { installed: '/installed' } };

  it('the token exchange succeeds with timeoutMs 50: printed and confirmed once, sent once', async () => {
    const { fetch, events, sent } = slowReader(() => Response.json(TOKEN_RESPONSE));
    const token = await exchangeJwtForToken({ installation, fetch, timeoutMs: 50 });
    expect(token.accessToken).toBe(TOKEN_RESPONSE.access_token);
    expect(events.filter((e) => e !== 'secret')).toEqual(['request POST https://bitbucket.org/site/oauth2/access_token', 'confirm', 'exchange 200']);
    expect(sent).toEqual(['POST https://bitbucket.org/site/oauth2/access_token']);
  });

  it('the REST call succeeds with timeoutMs 50, without the retry a timeout would cause', async () => {
    const { fetch, events, sent } = slowReader(() => Response.json({ display_name: 'Ada Lovelace' }));
    const client = createBitbucketClient({ apiUrl: 'https://api.bitbucket.org', token: async () => 'bearer-token-0123456789', fetch, timeoutMs: 50 });
    expect(await client.get('/2.0/user')).toEqual({ display_name: 'Ada Lovelace' });
    expect(events.filter((e) => e !== 'secret')).toEqual(['request GET https://api.bitbucket.org/2.0/user', 'confirm', 'exchange 200']);
    expect(sent).toHaveLength(1);
  });

  it('installApp succeeds with timeoutMs 50: printed and confirmed once, sent once', async () => {
    const { fetch, events, sent } = slowReader(() => new Response(null, { status: 204 }));
    const result = await installApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, fetch, timeoutMs: 50 });
    expect(result.response.status).toBe(204);
    expect(events.filter((e) => e !== 'secret')).toEqual(['request POST http://127.0.0.1:3000/installed', 'confirm', 'exchange 204']);
    expect(sent).toEqual(['POST http://127.0.0.1:3000/installed']);
  });

  it('declining sends nothing: ERR_REQUEST_DECLINED from the exchange, the REST call and installApp', async () => {
    const { fetch, exchanges, sent } = slowReader(() => Response.json(TOKEN_RESPONSE), false);
    const client = createBitbucketClient({ apiUrl: 'https://api.bitbucket.org', token: async () => 'bearer-token-0123456789', fetch, timeoutMs: 50 });
    await expect(exchangeJwtForToken({ installation, fetch, timeoutMs: 50 })).rejects.toMatchObject({ code: 'ERR_REQUEST_DECLINED' });
    await expect(client.get('/2.0/user')).rejects.toMatchObject({ code: 'ERR_REQUEST_DECLINED' });
    await expect(installApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, fetch, timeoutMs: 50 })).rejects.toMatchObject({
      code: 'ERR_REQUEST_DECLINED',
    });
    expect(sent).toEqual([]);
    expect(exchanges).toEqual([]);
  });

  it('sends each request confirmed at its gate without asking again; a fetch without a gate asks, as before', async () => {
    const { fetch, events, exchanges } = recorder(async () => new Response('ok'));
    const one = 'https://api.bitbucket.org/2.0/user';
    const first = { headers: { 'X-Try': '1' } };
    const second = { headers: { 'X-Try': '2' } };
    await fetch.beforeSend(one, first);
    await fetch.beforeSend(one, second);
    await fetch.beforeSend(one, { method: 'HEAD' });
    expect(events).toEqual([`request GET ${one}`, 'confirm', `request GET ${one}`, 'confirm', `request HEAD ${one}`, 'confirm']);
    events.length = 0;
    await fetch(one, second);
    await fetch(one, first);
    await fetch(one, { method: 'HEAD' });
    expect(events, 'each confirmed request is sent without asking again').toEqual(['exchange 200', 'exchange 200', 'exchange 200']);
    expect(exchanges.map((e) => e.request.headers.find(([name]) => name === 'x-try')?.[1])).toEqual(['2', '1', undefined]);
    events.length = 0;
    await fetch(one);
    expect(events, 'nothing confirmed is left: the fetch asks itself').toEqual([`request GET ${one}`, 'confirm', 'exchange 200']);
  });

  it('takes identical confirmations first in, first out', async () => {
    const { fetch, events } = recorder(async () => new Response('ok'));
    const url = 'https://api.bitbucket.org/2.0/user';
    await fetch.beforeSend(url);
    await fetch.beforeSend(url);
    events.length = 0;
    await fetch(url);
    await fetch(url);
    await fetch(url);
    expect(events.filter((e) => e === 'confirm'), 'two confirmed, the third asks').toHaveLength(1);
  });

  it('asks again about a request changed after its gate: the learner approved the other one', async () => {
    const { fetch, events, exchanges } = recorder(async () => new Response('ok'));
    const url = 'https://bitbucket.org/site/oauth2/access_token';
    await fetch.beforeSend(url, { method: 'POST', headers: { Authorization: 'JWT eyJ.eyJ.sig' }, body: 'grant_type=x' });
    events.length = 0;
    await fetch(url, { method: 'POST', headers: { Authorization: 'Bearer eyJ.eyJ.sig' }, body: 'grant_type=x' });
    expect(events, 'the Bearer token is a secret, known before the request is printed').toEqual(['secret', `request POST ${url}`, 'confirm', 'exchange 200']);
    expect(exchanges[0]?.request.headers, 'the transcript has the request as sent').toContainEqual(['authorization', 'Bearer eyJ.eyJ.sig']);
  });

  it("withdraws the question when the caller's signal aborts, and remembers nothing", async () => {
    let withdrawn: AbortSignal | undefined;
    const { fetch, events } = recorder(async () => new Response('ok'), {
      confirm: async (_request, signal) => {
        events.push('confirm');
        if (!signal) return true;
        withdrawn = signal;
        // Like inquirer given a signal: the prompt rejects when it aborts.
        return new Promise<boolean>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('AbortPromptError'))));
      },
    });
    const controller = new AbortController();
    const gate = fetch.beforeSend('https://api.bitbucket.org/2.0/user', { signal: controller.signal });
    await pause(0);
    controller.abort(new Error('the caller gave up'));
    await expect(gate, "the caller's reason, not the prompt's").rejects.toThrow('the caller gave up');
    expect(withdrawn).toBe(controller.signal);
    events.length = 0;
    await fetch('https://api.bitbucket.org/2.0/user');
    expect(events).toEqual(['request GET https://api.bitbucket.org/2.0/user', 'confirm', 'exchange 200']);
  });

  it('keeps at most 32 confirmations per METHOD url: past them the oldest is forgotten, and its fetch asks again', async () => {
    const { fetch, events } = recorder(async () => new Response('ok'));
    const url = 'https://api.bitbucket.org/2.0/user';
    for (let i = 0; i < 33; i++) await fetch.beforeSend(url);
    events.length = 0;
    for (let i = 0; i < 33; i++) await fetch(url);
    expect(events.filter((e) => e === 'confirm')).toHaveLength(1);
  });

  it('leaves a one-shot stream body to the fetch, which asks and sends it whole', async () => {
    let received = '';
    const { fetch, events } = recorder(async (input) => {
      received = await (input as Request).text();
      return new Response('ok');
    });
    const body = () => new Blob(['streamed']).stream();
    const init = { method: 'POST', body: body(), duplex: 'half' } as RequestInit;
    await awaitGate(fetch, 'https://example.test/upload', init);
    expect(events, 'the gate did not read the stream').toEqual([]);
    await fetch('https://example.test/upload', init);
    expect(received).toBe('streamed');
    expect(events.filter((e) => e === 'confirm')).toHaveLength(1);
  });
});
