import { describe, it } from 'vitest';
import { handleInstalled, type LifecycleRequest } from '../../../../src/connect/lifecycle.ts';
import { JwtExpiredError, JwtSignatureError } from '../../../../src/jwt/errors.ts';
import { signProductJwt } from '../../../../src/jwt/sign.ts';
import type { Installation } from '../../../../src/store/installation.ts';
import { createMemoryStore } from '../../../../src/store/memory.ts';
import { installedPayload } from '../../../../mocks/fixtures/lifecycle.ts';
import { expectRule } from '../../../runner/practice/expect-rule.ts';
import { decideInstall } from './install-decision.ts';

const APP_KEY = 'jwt-grant-tutorial';
const APP_BASE_URL = 'https://abc123.ngrok.app';
const NOW = Date.parse('2026-01-01T00:00:00Z');
/** Fixture secrets, not real ones: A is Bitbucket's first, B its rotation, FORGED an attacker's. */
const A = 'decide-secret-a-0123456789-abcdefghijklmnopqrs';
const B = 'decide-secret-b-9876543210-zyxwvutsrqponmlkjih';
const FORGED = 'forged-secret-of-someone-else-0123456789abcdef';
const payload = installedPayload({ appKey: APP_KEY, sharedSecret: A });
const CLIENT_KEY = payload.clientKey;

type Stored = Pick<Installation, 'state' | 'sharedSecret'>;

/** The call's JWT as the decision sees it: `verify` accepts exactly the secret that signed it. */
function signedWith(secret: string): (candidate: string) => Promise<void> {
  return async (candidate) => {
    if (candidate !== secret) throw new JwtSignatureError(CLIENT_KEY);
  };
}

/** A JWT signed with the right secret, but an hour old. */
const expired = async (): Promise<void> => {
  throw new JwtExpiredError({ exp: NOW / 1000 - 3600, now: NOW / 1000, leewaySeconds: 30 });
};

/** The decision, as one word: the outcome, or "refused with <code>". */
async function decide(stored: Stored | undefined, payloadSecret: string, verify: ((secret: string) => Promise<void>) | undefined, verifyFirstInstalls = true): Promise<string> {
  try {
    return await decideInstall({ clientKey: CLIENT_KEY, stored, payloadSecret, verify, verifyFirstInstalls });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `refused with ${code}` : `threw ${(error as Error).message.split('\n')[0]}`;
  }
}

const active = (sharedSecret: string): Stored => ({ state: 'active', sharedSecret });
const pending = (sharedSecret: string): Stored => ({ state: 'pending', sharedSecret });
const tombstone = (sharedSecret: string): Stored => ({ state: 'uninstalled', sharedSecret });
const REFUSED = 'refused with ERR_REINSTALL_UNAUTHENTICATED';

describe('decide-install', () => {
  it('1. a first install is accepted unsigned: pending until proven', async () => {
    expectRule(await decide(undefined, A, undefined), 'pending', 'nothing stored; the call unsigned');
    expectRule(await decide(undefined, A, undefined, false), 'installed', 'the same with verifyFirstInstalls: false (VERIFY_INSTALLS=0)');
  });

  it("2. a signed first install is checked with the payload's own secret", async () => {
    expectRule(await decide(undefined, A, signedWith(A)), 'pending', "nothing stored; signed with the payload's secret");
    expectRule(await decide(undefined, A, signedWith(FORGED)), 'refused with ERR_JWT_SIGNATURE', "nothing stored; signed with a secret that is not the payload's");
  });

  it('3. a pending install, never proven, is replaced by a later first install', async () => {
    expectRule(await decide(pending(FORGED), A, undefined), 'pending', "stored pending (a squatter's secret); the call unsigned");
  });

  it('4. a re-install signed with the stored secret is accepted', async () => {
    expectRule(await decide(active(A), A, signedWith(A)), 'reinstalled', 'stored active with A; signed with A, A in the payload');
  });

  it('5. a rotation: signed with the stored secret, a new secret in the payload', async () => {
    expectRule(await decide(active(A), B, signedWith(A)), 'secret-rotated', 'stored active with A; signed with A, B in the payload');
  });

  it('6. a hijack signed with another secret is refused', async () => {
    expectRule(await decide(active(A), FORGED, signedWith(FORGED)), REFUSED, "stored active with A; signed with the payload's own (forged) secret");
  });

  it('7. a hijack without a JWT is refused', async () => {
    expectRule(await decide(active(A), FORGED, undefined), REFUSED, 'stored active with A; the call unsigned');
  });

  it("8. after an uninstall, signed with the tombstone's secret: accepted", async () => {
    expectRule(await decide(tombstone(A), B, signedWith(A)), 'reinstalled-after-uninstall', 'a tombstone with A; signed with A, B in the payload');
  });

  it('9. over a tombstone, unsigned or another secret is refused', async () => {
    expectRule(await decide(tombstone(A), FORGED, undefined), REFUSED, 'a tombstone with A; the call unsigned');
    expectRule(await decide(tombstone(A), FORGED, signedWith(FORGED)), REFUSED, 'a tombstone with A; signed with another secret');
  });

  it('10. a JWT refused for another reason keeps its own error', async () => {
    expectRule(await decide(active(A), A, expired), 'refused with ERR_JWT_EXPIRED', 'stored active with A; signed with A, but expired');
  });

  it("11. the lab's installed handler runs on your table: Bitbucket's calls accepted, a forgery refused", async () => {
    const store = createMemoryStore();
    const deps = {
      store,
      appBaseUrl: APP_BASE_URL,
      appKey: APP_KEY,
      bitbucketUrl: 'https://bitbucket.org',
      origin: 'simulated' as const,
      verifyFirstInstalls: false,
      now: () => NOW,
      decideInstall,
    };
    /** An installed call as Bitbucket (or a forger) posts it: the payload with `sharedSecret`, signed with `signWith`. */
    const post = async (sharedSecret: string, signWith?: string): Promise<string> => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (signWith) {
        const jwt = await signProductJwt({ clientKey: CLIENT_KEY, sharedSecret: signWith, method: 'POST', url: '/installed', baseUrl: APP_BASE_URL, now: () => NOW });
        headers.authorization = `JWT ${jwt}`;
      }
      const request: LifecycleRequest = { method: 'POST', url: '/installed', headers, body: { ...payload, sharedSecret } };
      try {
        return (await handleInstalled(request, deps)).outcome;
      } catch (error) {
        return `refused with ${String((error as { code?: unknown }).code)}`;
      }
    };
    const outcomes = [await post(A), await post(B, A), await post(FORGED, FORGED), await post(FORGED)];
    expectRule(outcomes, ['installed', 'secret-rotated', REFUSED, REFUSED], 'first install, rotation to B signed with A, forgery signed with its own secret, forgery unsigned');
    expectRule((await store.get(CLIENT_KEY))?.sharedSecret === B, true, 'the stored secret is B, the one Bitbucket rotated to');
  });
});
