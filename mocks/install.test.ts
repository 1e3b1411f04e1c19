import { createQueryStringHash, decodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { describe, expect, it } from 'vitest';
import { queryStringHash } from '../src/jwt/qsh.ts';
import { verifyJwt } from '../src/jwt/verify.ts';
import { createMemoryStore } from '../src/store/memory.ts';
import { TEAMS_IN_SPACE } from './fixtures/accounts.ts';
import { clientKeyFor } from './fixtures/lifecycle.ts';
import { createMemoryRegistry } from './registry.ts';
import { installApp, uninstallApp, type InstallableDescriptor } from './install.ts';
import { T0 } from './test-support.ts';

const descriptor: InstallableDescriptor = {
  key: 'jwt-grant-tutorial',
  baseUrl: 'https://abc123.ngrok.app/app',
  lifecycle: { installed: '/installed', uninstalled: '/uninstalled' },
  scopes: ['account', 'repository'],
};

interface Sent {
  url: string;
  init: RequestInit;
}

/** A fetch that records what it is given and answers with `status`. */
function recordingFetch(status = 204): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    fetch: (async (url: string | URL | Request, init?: RequestInit) => {
      sent.push({ url: String(url), init: init ?? {} });
      return new Response(null, { status });
    }) as typeof fetch,
  };
}

function authorization(init: RequestInit): string {
  return new Headers(init.headers).get('authorization') ?? '';
}

describe('installApp', () => {
  it('POSTs the installed payload as JSON to appBaseUrl + lifecycle.installed', async () => {
    const { fetch, sent } = recordingFetch();
    const result = await installApp({ appBaseUrl: 'http://127.0.0.1:3000/', descriptor, fetch, sharedSecret: 'shh-0123456789abcdef', now: () => T0 });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.url).toBe('http://127.0.0.1:3000/installed');
    expect(sent[0]?.init.method).toBe('POST');
    expect(new Headers(sent[0]?.init.headers).get('content-type')).toBe('application/json');
    expect(JSON.parse(String(sent[0]?.init.body))).toEqual(result.payload);
    expect(result.response.status).toBe(204);
    expect(result.clientKey).toBe(`ari:cloud:bitbucket::app/${TEAMS_IN_SPACE.uuid}/jwt-grant-tutorial`);
    expect(result.payload).toMatchObject({ key: 'jwt-grant-tutorial', sharedSecret: 'shh-0123456789abcdef', eventType: 'installed' });
  });

  it('sends a first install without a JWT: there is no preceding secret (Atlassian\'s signing table)', async () => {
    const { fetch, sent } = recordingFetch();
    const result = await installApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, fetch, now: () => T0 });
    expect(authorization(sent[0]!.init)).toBe('');
    expect(result.signedWith).toBeUndefined();
  });

  it('signs with precedingSecret as Bitbucket does: iss = aud = clientKey, qsh of POST&/installed& relative to descriptor.baseUrl, one hour', async () => {
    const { fetch, sent } = recordingFetch();
    const preceding = 'the-preceding-installs-secret-0123456789';
    const { clientKey, signedWith } = await installApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, fetch, now: () => T0, precedingSecret: preceding });
    expect(signedWith).toBe(preceding);
    const header = authorization(sent[0]!.init);
    expect(header).toMatch(/^JWT [\w-]+\.[\w-]+\.[\w-]+$/);
    const jwt = header.slice(4);
    const sharedSecret = preceding;
    const { claims } = await verifyJwt(jwt, {
      secret: sharedSecret,
      qsh: { accept: [queryStringHash('POST', `${descriptor.baseUrl}/installed`, descriptor.baseUrl)] },
      now: () => T0,
      issuer: clientKey,
      audience: clientKey,
    });
    expect(claims.exp - claims.iat).toBe(3600);
    // Atlassian's own library agrees on the signature and on the qsh.
    const decoded = decodeSymmetric(jwt, sharedSecret, SymmetricAlgorithm.HS256) as { qsh: string };
    expect(decoded.qsh).toBe(createQueryStringHash(fromMethodAndUrl('POST', '/installed')));
  });

  it('gives a fresh random secret per install, and a record the installation store accepts', async () => {
    const { fetch } = recordingFetch();
    const a = await installApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, fetch });
    const b = await installApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, fetch });
    expect(a.sharedSecret).toMatch(/^[\w-]{43}$/);
    expect(a.sharedSecret).not.toBe(b.sharedSecret);
    const store = createMemoryStore([a.installation]);
    expect(await store.get(a.clientKey)).toMatchObject({ key: 'jwt-grant-tutorial', scopes: ['account', 'repository'], sharedSecret: a.sharedSecret });
  });

  it('returns a refusal without throwing: the caller decides', async () => {
    const { fetch } = recordingFetch(401);
    expect((await installApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, fetch })).response.status).toBe(401);
  });

  it('an unreachable app is ERR_INSTALL_UNREACHABLE naming the URL, never the secret', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:3999') });
    }) as typeof fetch;
    const error = await installApp({ appBaseUrl: 'http://127.0.0.1:3999', descriptor, fetch: failing, sharedSecret: 'secret-never-shown-123' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_INSTALL_UNREACHABLE', url: 'http://127.0.0.1:3999/installed', lesson: 2 });
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect((error as Error).message).not.toContain('secret-never-shown-123');
  });

  it('a descriptor without what an install needs is ERR_INSTALL_DESCRIPTOR', async () => {
    const { fetch, sent } = recordingFetch();
    const broken: InstallableDescriptor[] = [
      { ...descriptor, key: '' },
      { ...descriptor, baseUrl: 'abc.ngrok.app' },
      { ...descriptor, lifecycle: {} },
      { ...descriptor, lifecycle: { installed: 'installed' } },
    ];
    for (const d of broken) {
      await expect(installApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor: d, fetch })).rejects.toMatchObject({ code: 'ERR_INSTALL_DESCRIPTOR', lesson: 1 });
    }
    expect(sent).toEqual([]);
  });
});

describe('installApp with the simulated Bitbucket\'s registry', () => {
  const appBaseUrl = 'http://127.0.0.1:3000';

  it('plays the signing table: unsigned first install, then re-install and rotation signed with the preceding secret', async () => {
    const registry = createMemoryRegistry();
    const { fetch, sent } = recordingFetch();
    const first = await installApp({ appBaseUrl, descriptor, fetch, registry, now: () => T0 });
    expect(authorization(sent[0]!.init)).toBe('');
    expect(await registry.installations.get(first.clientKey), 'recorded what it issued').toMatchObject({ sharedSecret: first.sharedSecret, state: 'active' });

    const again = await installApp({ appBaseUrl, descriptor, fetch, registry, now: () => T0 });
    expect(again.sharedSecret, 'a re-install keeps the secret').toBe(first.sharedSecret);
    expect(again.signedWith).toBe(first.sharedSecret);
    expect(decodeSymmetric(authorization(sent[1]!.init).slice(4), first.sharedSecret, SymmetricAlgorithm.HS256)).toBeTruthy();

    const rotated = await installApp({ appBaseUrl, descriptor, fetch, registry, rotate: true, now: () => T0 });
    expect(rotated.sharedSecret, 'a rotation brings a new secret').not.toBe(first.sharedSecret);
    expect(rotated.signedWith, 'signed with the preceding one').toBe(first.sharedSecret);
    expect((await registry.record(first.clientKey))?.sharedSecret).toBe(rotated.sharedSecret);
  });

  it('after an uninstall, signs the next install with the last secret and sends a new one; the uninstall is signed with the last secret', async () => {
    const registry = createMemoryRegistry();
    const { fetch, sent } = recordingFetch();
    const installed = await installApp({ appBaseUrl, descriptor, fetch, registry, now: () => T0 });
    await uninstallApp({ appBaseUrl, descriptor, installed: installed.payload, fetch, registry, now: () => T0 });
    expect(decodeSymmetric(authorization(sent[1]!.init).slice(4), installed.sharedSecret, SymmetricAlgorithm.HS256)).toBeTruthy();
    expect(await registry.installations.get(installed.clientKey), 'its tokens stop working').toBeUndefined();
    expect((await registry.record(installed.clientKey))?.state).toBe('uninstalled');

    const again = await installApp({ appBaseUrl, descriptor, fetch, registry, now: () => T0 });
    expect(again.signedWith).toBe(installed.sharedSecret);
    expect(again.sharedSecret).not.toBe(installed.sharedSecret);
    expect(await registry.installations.get(installed.clientKey)).toMatchObject({ sharedSecret: again.sharedSecret, state: 'active' });
  });

  it('records before posting (the app may prove it before the 204 is read), and puts back the previous record if the app refuses', async () => {
    const registry = createMemoryRegistry();
    const seenDuringCall: unknown[] = [];
    const answering = (status: number) =>
      (async (url: string | URL | Request) => {
        if (String(url).endsWith('/installed')) seenDuringCall.push((await registry.installations.get(clientKeyFor(TEAMS_IN_SPACE.uuid, descriptor.key)))?.sharedSecret);
        return new Response(null, { status });
      }) as typeof fetch;
    const first = await installApp({ appBaseUrl, descriptor, fetch: answering(204), registry });
    expect(seenDuringCall).toEqual([first.sharedSecret]);

    const refused = await installApp({ appBaseUrl, descriptor, fetch: answering(401), registry, rotate: true });
    expect(seenDuringCall[1], 'the new secret was known during the call').toBe(refused.sharedSecret);
    expect((await registry.record(first.clientKey))?.sharedSecret, 'the refused rotation is undone').toBe(first.sharedSecret);

    const unreachable = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const fresh = createMemoryRegistry();
    await expect(installApp({ appBaseUrl, descriptor, fetch: unreachable, registry: fresh })).rejects.toMatchObject({ code: 'ERR_INSTALL_UNREACHABLE' });
    expect(await fresh.list(), 'an install that never reached the app leaves no record').toEqual([]);
  });
});

describe('installApp with a gated fetch (a person confirms each request)', () => {
  /** `recordingFetch` plus a gate (src/http/gated-fetch.ts) that waits `gateMs`, then passes or refuses. */
  function gated(gateMs: number, refusal?: Error) {
    const { fetch, sent } = recordingFetch();
    const gates: string[] = [];
    const send = Object.assign((input: RequestInfo | URL, init?: RequestInit) => {
      // What installApp's own deadline says when the call goes out.
      gates.push(`sent with the deadline ${init?.signal?.aborted ? 'passed' : 'running'}`);
      return fetch(input, init);
    }, {
      beforeSend: async (input: RequestInfo | URL, init?: RequestInit) => {
        gates.push(`gate ${init?.method} ${String(input)}`);
        await new Promise((resolve) => setTimeout(resolve, gateMs));
        if (refusal) throw refusal;
      },
    });
    return { send, sent, gates };
  }

  it('waits for the gate before its deadline: a confirmation slower than timeoutMs still installs', async () => {
    const { send, sent, gates } = gated(150);
    const result = await installApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, fetch: send, timeoutMs: 50 });
    expect(result.response.status).toBe(204);
    expect(sent).toHaveLength(1);
    expect(gates).toEqual(['gate POST http://127.0.0.1:3000/installed', 'sent with the deadline running']);
  });

  it("lets the gate's refusal through as it is (not ERR_INSTALL_UNREACHABLE), and sends nothing", async () => {
    const declined = new Error('You chose not to send POST http://127.0.0.1:3000/uninstalled');
    const installed = await installApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, fetch: recordingFetch().fetch });
    const { send, sent } = gated(0, declined);
    await expect(uninstallApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, installed: installed.payload, fetch: send })).rejects.toBe(declined);
    expect(sent).toEqual([]);
  });
});

describe('uninstallApp', () => {
  it('POSTs the uninstalled payload, signed with the installation\'s secret', async () => {
    const { fetch, sent } = recordingFetch();
    const installed = await installApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, fetch, now: () => T0 });
    const { payload, response } = await uninstallApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, installed: installed.payload, fetch, now: () => T0 });
    expect(response.status).toBe(204);
    expect(sent[1]?.url).toBe('http://127.0.0.1:3000/uninstalled');
    expect(JSON.parse(String(sent[1]?.init.body))).toEqual(payload);
    expect(payload).toMatchObject({ eventType: 'uninstalled', clientKey: installed.clientKey });
    expect(payload).not.toHaveProperty('sharedSecret');
    expect(payload).not.toHaveProperty('actor');
    await verifyJwt(authorization(sent[1]!.init).slice(4), {
      secret: installed.sharedSecret,
      qsh: { accept: [queryStringHash('POST', '/uninstalled')] },
      now: () => T0,
      issuer: installed.clientKey,
    });
  });

  it('needs lifecycle.uninstalled and a payload with its secret', async () => {
    const { fetch } = recordingFetch();
    const installed = await installApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, fetch });
    await expect(
      uninstallApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor: { ...descriptor, lifecycle: { installed: '/installed' } }, installed: installed.payload, fetch }),
    ).rejects.toMatchObject({ code: 'ERR_INSTALL_DESCRIPTOR' });
    const { sharedSecret: _gone, ...withoutSecret } = installed.payload;
    await expect(uninstallApp({ appBaseUrl: 'http://127.0.0.1:3000', descriptor, installed: withoutSecret, fetch })).rejects.toMatchObject({
      code: 'ERR_NO_SHARED_SECRET',
    });
  });
});
