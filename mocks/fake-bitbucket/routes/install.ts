import { Router } from 'express';
import { validateDescriptor } from '../../../src/connect/descriptor.ts';
import { redactText } from '../../../src/redact.ts';
import { clientKeyFor } from '../../fixtures/lifecycle.ts';
import { installApp } from '../../install.ts';
import { descriptorLocation, fetchDescriptor } from '../descriptor-fetch.ts';
import { DescriptorChangedError, FormFieldError, InstallRefusedError, RedirectUriError } from '../errors.ts';
import { sameOriginOnly } from '../guard.ts';
import { paths } from '../paths.ts';
import { renderConsent, renderInstalled, renderInstallForm } from '../views/install.ts';
import type { FakeDeps } from './deps.ts';
import { textField } from './form.ts';

/** How much of an app's refusal the page shows. */
const MAX_ANSWER_CHARS = 2000;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The start of a response body as text, at most `maxChars`; the rest is not read. */
async function answerText(response: Response, maxChars: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (text.length <= maxChars) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return `${text.slice(0, maxChars)}…`;
}

/** What to do about a refused install, by the app's status and error code. */
function refusalHint(status: number, body: string): string {
  if (body.includes('ERR_REINSTALL_UNAUTHENTICATED')) {
    return (
      'The app already holds an installation for this workspace with another sharedSecret, from an earlier run: ' +
      'a real Bitbucket would sign the re-install with that secret, but this fake forgot it when it restarted. ' +
      'Start over with npm run rehearse (it forgets the previous rehearsal installs), or give the app an empty DATA_DIR.'
    );
  }
  if (status === 401) {
    return "The app rejected the JWT: its BASE_URL must match the descriptor's baseUrl (the qsh is relative to it), and both clocks must agree. Lesson 6 explains the checks.";
  }
  if (status === 400) return 'The app found the payload malformed: lesson 2 shows the installed payload field by field.';
  if (status === 404) return "The app has no route at the descriptor's lifecycle.installed URL.";
  return "Its answer is below; the app's log has the details.";
}

/**
 * The install link's `redirect_uri`, checked to be under the app's `baseUrl` as Bitbucket requires
 * (protocol.md §7); undefined when the link has none (the "Install app from URL" form).
 */
function redirectUnder(value: string | undefined, baseUrl: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const target = URL.canParse(value) ? new URL(value) : undefined;
  if (!target || target.origin !== base.origin || !(target.pathname === basePath || target.pathname.startsWith(`${basePath}/`))) {
    throw new RedirectUriError(value, baseUrl);
  }
  return target.href;
}

/** `redirect_uri` with `client_key` appended, as Bitbucket sends the browser back after an install. */
function withClientKey(redirectUri: string, clientKey: string): string {
  const url = new URL(redirectUri);
  url.searchParams.append('client_key', clientKey);
  return url.href;
}

/**
 * "Install app from URL": the form (`GET /site/addons/install`), the consent page
 * (`GET /site/addons/authorize?descriptor_uri=...[&redirect_uri=...]`, Bitbucket's install link
 * for unlisted apps, which fetches and validates the descriptor and shows every problem) and
 * "Grant access" (`POST /site/addons/authorize`), which plays Bitbucket's install with
 * `installApp` and the fake's registry: an unsigned `installed` call for a first install, one
 * signed with the preceding secret for a re-install (a new secret when "rotate" is ticked) or the
 * first install after an uninstall. Once the app accepts, the browser goes back to `redirect_uri`
 * with `?client_key=...`, or sees the result page.
 *
 * @example app.use(installRoutes(deps))
 */
export function installRoutes(deps: FakeDeps): Router {
  const router = Router();
  const { site } = deps;
  const scenario = () => deps.mock.state.scenario;

  router.get(paths.installForm, (_req, res) => {
    res.type('html').send(renderInstallForm({ site, scenario: scenario(), defaultUrl: deps.defaultAppUrl }));
  });

  router.get(paths.authorize, async (req, res) => {
    const input = textField(req.query, 'descriptor_uri');
    if (input === undefined) {
      const appKey = textField(req.query, 'addon_key', 100);
      const note = appKey
        ? `Bitbucket would look up the app "${appKey}" among the apps registered for your workspace. This fake has no such registry: give the app's URL.`
        : "Give the app's URL to install it.";
      res.type('html').send(renderInstallForm({ site, scenario: scenario(), defaultUrl: deps.defaultAppUrl, note }));
      return;
    }
    const location = descriptorLocation(input);
    const { json, sha256 } = await fetchDescriptor(location.descriptorUrl, { fetch: deps.fetch });
    const descriptor = validateDescriptor(json, { live: false });
    const redirectUri = redirectUnder(textField(req.query, 'redirect_uri'), descriptor.baseUrl);
    const installed = deps.registry.get(clientKeyFor(site.workspace.uuid, descriptor.key));
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(renderConsent({ site, scenario: scenario(), descriptor, location, sha256, installed, redirectUri }));
  });

  router.post(paths.authorize, sameOriginOnly(), async (req, res) => {
    const location = descriptorLocation(textField(req.body, 'descriptor_uri'));
    const reviewed = textField(req.body, 'descriptor_sha256', 64);
    if (!reviewed || !SHA256_HEX.test(reviewed)) throw new FormFieldError('descriptor_sha256', 'the hash from the consent page');
    // Fetched again: Bitbucket installs the descriptor as it is now, provided it is the one reviewed.
    const { json, sha256 } = await fetchDescriptor(location.descriptorUrl, { fetch: deps.fetch });
    if (sha256 !== reviewed) throw new DescriptorChangedError();
    const descriptor = validateDescriptor(json, { live: false });
    const redirectUri = redirectUnder(textField(req.body, 'redirect_uri'), descriptor.baseUrl);
    const clientKey = clientKeyFor(site.workspace.uuid, descriptor.key);
    deps.registry.checkRoom(clientKey);
    const previous = deps.registry.get(clientKey);

    // Bitbucket's registry decides the secrets: unsigned first install, else signed with the preceding one.
    const result = await installApp({
      appBaseUrl: location.appUrl,
      descriptor,
      fetch: deps.fetch,
      now: deps.now,
      bitbucketUrl: deps.origin,
      apiUrl: deps.origin,
      registry: deps.registry.bitbucket,
      rotate: textField(req.body, 'rotate', 10) === 'on',
    });
    const callbackUrl = `${location.appUrl}${descriptor.lifecycle.installed}`;
    if (!result.response.ok) {
      const answer = redactText(await answerText(result.response, MAX_ANSWER_CHARS), [result.sharedSecret]);
      deps.log.info(`install refused app=${descriptor.key} status=${result.response.status}`);
      throw new InstallRefusedError(callbackUrl, result.response.status, answer, refusalHint(result.response.status, answer));
    }
    await result.response.body?.cancel();
    const app = {
      clientKey,
      appKey: descriptor.key,
      descriptor,
      descriptorUrl: location.descriptorUrl,
      appUrl: location.appUrl,
      payload: result.payload,
      installedAt: new Date(deps.now()).toISOString(),
    };
    deps.registry.add(app);
    deps.log.info(
      `installed app=${descriptor.key} clientKey=${clientKey} signed=${result.signedWith ? 'preceding-secret' : 'no'} status=${result.response.status}`,
      [result.sharedSecret, result.signedWith],
    );
    res.setHeader('Cache-Control', 'no-store');
    if (redirectUri) {
      res.redirect(303, withClientKey(redirectUri, clientKey));
      return;
    }
    res
      .type('html')
      .send(
        renderInstalled({
          site,
          scenario: scenario(),
          app,
          callbackUrl,
          status: result.response.status,
          updated: previous !== undefined,
          signed: result.signedWith !== undefined,
          rotated: previous !== undefined && previous.payload.sharedSecret !== result.sharedSecret,
        }),
      );
  });
  return router;
}
