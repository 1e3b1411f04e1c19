import { describe, expect, it } from 'vitest';
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
    const send: typeof fetch = async (input) => {
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
    const send: typeof fetch = async () => Response.json({ nested: { sharedSecret: 'shared-secret-from-payload' }, ...TOKEN_RESPONSE });
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
    expect(formatResponseForTerminal({ request, error: 'timeout' }, style)).toEqual(['← no response: timeout']);
  });
});
