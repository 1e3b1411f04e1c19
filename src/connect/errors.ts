import { LabError } from '../errors.ts';

/** Lesson 1 (descriptor) explains the descriptor; lesson 2 (lifecycle) the installed/uninstalled calls. */
const DESCRIPTOR_LESSON = 1;
const LIFECYCLE_LESSON = 2;
const MAX_CLAIM_CHARS = 200;

function bulleted(problems: readonly string[]): string {
  return problems.map((problem) => `  - ${problem}`).join('\n');
}

/** A claim for a message: quoted, and cut short, because it comes from an unauthenticated token. */
function describeClaim(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_CLAIM_CHARS ? `${text.slice(0, MAX_CLAIM_CHARS)}…` : text;
}

/**
 * The app descriptor (`atlassian-connect.json`) would be rejected by Bitbucket, or would install
 * but misbehave. `problems` lists every problem found, each as `path: what is wrong, what to do`.
 *
 * @example
 * try { validateDescriptor(json, { live: true }) }
 * catch (error) { if (isLabError(error, 'ERR_DESCRIPTOR_INVALID')) console.error(error.message) }
 */
export class DescriptorError extends LabError {
  /** One line a problem: `path: what is wrong, what to do`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      'ERR_DESCRIPTOR_INVALID',
      `The app descriptor has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n` +
        `${bulleted(problems)}\nLesson 1 (descriptor) explains each field.`,
      { lesson: DESCRIPTOR_LESSON },
    );
    this.problems = problems;
  }
}

/**
 * A lifecycle request body is not the payload Bitbucket sends (docs/protocol.md, section 6).
 * `problems` lists every field problem, each as `path: what is wrong, what to do`. Never holds a
 * field's value, so a secret in a malformed payload cannot leak through it.
 *
 * @example
 * await handleInstalled({ method: 'POST', url: '/installed', headers, body: 'nope' }, deps)
 * // throws PayloadError: ERR_PAYLOAD_INVALID, "body: must be a JSON object, ..."
 */
export class PayloadError extends LabError {
  /** One line a problem: `path: what is wrong, what to do`. */
  readonly problems: readonly string[];

  constructor(event: 'installed' | 'uninstalled', problems: readonly string[]) {
    super(
      'ERR_PAYLOAD_INVALID',
      `The ${event} lifecycle payload is not what Bitbucket sends:\n${bulleted(problems)}\n` +
        `Send the JSON body Bitbucket posts to /${event}; lesson 2 (lifecycle) shows a real one.`,
      { lesson: LIFECYCLE_LESSON },
    );
    this.problems = problems;
  }
}

/**
 * An `installed` payload without `sharedSecret`: Bitbucket sends those for installs into a
 * personal account, and without a secret the app can neither verify Bitbucket's calls nor sign its
 * own JWTs.
 *
 * @example
 * // body: a valid installed payload minus sharedSecret, principal.type 'user'
 * await handleInstalled(request, deps) // throws NoSharedSecretError (ERR_NO_SHARED_SECRET)
 */
export class NoSharedSecretError extends LabError {
  constructor(clientKey: string, principalType: string) {
    super(
      'ERR_NO_SHARED_SECRET',
      `The installed payload for ${clientKey} has no sharedSecret, so this installation can neither ` +
        `prove its calls come from Bitbucket nor get access tokens. Bitbucket omits the secret when an ` +
        `app is installed into a personal account (this principal is a "${principalType}"). Uninstall ` +
        `it there and install the app into a workspace instead. Lesson 2 (lifecycle) explains.`,
      { lesson: LIFECYCLE_LESSON },
    );
  }
}

/**
 * The payload's `key` is not this app's key: the install is for another app (or the app key
 * changed after the descriptor was registered).
 *
 * @example
 * await handleInstalled(request, { ...deps, appKey: 'other-app' }) // throws AppKeyMismatchError
 */
export class AppKeyMismatchError extends LabError {
  constructor(received: string, expected: string) {
    super(
      'ERR_APP_KEY_MISMATCH',
      `The lifecycle payload is for app key "${received}", but this app is "${expected}". ` +
        `Serve a descriptor whose "key" is "${expected}" (or set APP_KEY to "${received}") and install ` +
        `again. Lesson 1 (descriptor) explains the app key.`,
      { lesson: DESCRIPTOR_LESSON },
    );
  }
}

/**
 * The JWT on a lifecycle request names another installation than the payload: its `iss` (or
 * `aud`) is not the payload's `clientKey`. One installation must not speak for another.
 *
 * @example
 * // JWT signed with iss 'client-a', payload clientKey 'client-b'
 * await handleInstalled(request, deps) // throws ClientKeyMismatchError (ERR_CLIENT_KEY_MISMATCH)
 */
export class ClientKeyMismatchError extends LabError {
  constructor(claim: 'iss' | 'aud', received: unknown, clientKey: string) {
    super(
      'ERR_CLIENT_KEY_MISMATCH',
      `The JWT's "${claim}" is ${describeClaim(received)}, but the payload's clientKey is "${clientKey}". Bitbucket ` +
        `signs lifecycle calls with iss = aud = clientKey; sign the request for the installation the ` +
        `payload describes. Lesson 2 (lifecycle) explains.`,
      { lesson: LIFECYCLE_LESSON },
    );
  }
}

/**
 * An `installed` call for a clientKey the app already knows was not signed with the stored
 * sharedSecret. Anyone can POST an installed payload, so accepting it would let them replace the
 * secret and take the installation over; the stored installation is kept unchanged.
 *
 * @example
 * // re-install for a stored clientKey, signed with the new secret from its own payload
 * await handleInstalled(request, deps) // throws ReinstallUnauthenticatedError, store untouched
 */
export class ReinstallUnauthenticatedError extends LabError {
  constructor(clientKey: string, cause: unknown) {
    super(
      'ERR_REINSTALL_UNAUTHENTICATED',
      `Refused a re-install of ${clientKey}: its JWT does not verify with the sharedSecret stored at the ` +
        `first install. A known installation may only be replaced by a request signed with its current ` +
        `secret, otherwise anyone could take it over by posting a payload with a secret of their own; ` +
        `the stored installation is unchanged. If this app lost an uninstall (so its stored secret is ` +
        `stale), delete the stored installation (npm run installations -- delete <clientKey>) and install ` +
        `again. Lesson 2 (lifecycle) explains.`,
      { lesson: LIFECYCLE_LESSON, cause },
    );
  }
}
