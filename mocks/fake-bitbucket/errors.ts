import { LabError } from '../../src/errors.ts';

/**
 * Errors of the fake Bitbucket (`npm run fake-bitbucket`) and of the rehearsal that runs it
 * beside the app (`npm run rehearse`). Each becomes a readable page (see `error-page.ts`); none
 * ever holds a sharedSecret, a token or a JWT signature.
 */

/** Lesson 1 explains the descriptor, lesson 2 the lifecycle, lesson 7 the app. */
const DESCRIPTOR_LESSON = 1;
const LIFECYCLE_LESSON = 2;
const APP_LESSON = 7;

/** A value from a request, quoted and cut short for a message. */
function quote(value: string, max = 120): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/**
 * `startFakeBitbucket` or `startRehearsal` got an option it cannot use.
 *
 * @example
 * await startFakeBitbucket({ host: '0.0.0.0' }) // rejects: ERR_FAKE_OPTIONS (loopback only)
 */
export class FakeOptionsError extends LabError {
  constructor(message: string) {
    super('ERR_FAKE_OPTIONS', message);
  }
}

/**
 * A port variable (`PORT`, `FAKE_BITBUCKET_PORT`) is not a TCP port.
 *
 * @example
 * parsePort({ FAKE_BITBUCKET_PORT: 'abc' }, 'FAKE_BITBUCKET_PORT', 4000) // throws ERR_PORT_INVALID
 */
export class PortInvalidError extends LabError {
  constructor(variable: string, value: string, example: number) {
    super(
      'ERR_PORT_INVALID',
      `${variable}=${quote(value, 40)} is not a TCP port: use a whole number from 1 to 65535 (e.g. ${variable}=${example}).`,
    );
  }
}

/**
 * Another process already listens on the port a server was asked to use.
 *
 * @example
 * catch (error) { if (isLabError(error, 'ERR_PORT_IN_USE')) console.error(error.message) }
 */
export class PortInUseError extends LabError {
  /** The environment variable that chose the port. */
  readonly variable: string;
  readonly port: number;

  constructor(variable: string, port: number, host: string, options: { cause?: unknown } = {}) {
    super(
      'ERR_PORT_IN_USE',
      `Port ${port} on ${host} is already in use, so ${variable}=${port} cannot be used. ` +
        `Stop whatever runs there (another rehearsal, npm start, npm run fake-bitbucket), ` +
        `or choose a free port: ${variable}=${port + 1}.`,
      { cause: options.cause },
    );
    this.variable = variable;
    this.port = port;
  }
}

/**
 * A server could not listen for another reason than a busy port (no permission, no such address).
 *
 * @example
 * await listenOnLoopback(server, { port: 80, variable: 'PORT' }) // may reject: ERR_LISTEN (EACCES)
 */
export class ListenError extends LabError {
  constructor(variable: string, port: number, host: string, reason: string, options: { cause?: unknown } = {}) {
    super(
      'ERR_LISTEN',
      `Cannot listen on ${host}:${port} (${variable}=${port}): ${reason}. Choose a port above 1023, e.g. ${variable}=4000.`,
      { cause: options.cause },
    );
  }
}

/**
 * A server did not answer its health check in time.
 *
 * @example
 * await waitForHealthy('http://127.0.0.1:3000/healthcheck') // may reject: ERR_UNHEALTHY
 */
export class UnhealthyError extends LabError {
  constructor(url: string, reason: string) {
    super('ERR_UNHEALTHY', `${url} did not report healthy: ${reason}. Look at the log lines above for the cause.`, {
      lesson: APP_LESSON,
    });
  }
}

/**
 * The request's `Host` is not this machine's loopback name: the fake only answers
 * `127.0.0.1`, `localhost` and `[::1]`, so a web page cannot reach it through DNS rebinding.
 *
 * @example
 * // GET / with "Host: evil.example:4000" → 403 ERR_FAKE_HOST
 */
export class HostNotAllowedError extends LabError {
  constructor(host: string) {
    super(
      'ERR_FAKE_HOST',
      `The fake Bitbucket answers only on this machine's loopback names, not Host ${quote(host, 80)}. ` +
        'Open it as http://127.0.0.1:<port> (or localhost).',
    );
  }
}

/**
 * A form was posted from another site: the fake's buttons install and uninstall apps, so only its
 * own pages may press them.
 *
 * @example
 * // POST /site/addons/authorize with "Origin: https://elsewhere.example" → 403 ERR_FAKE_CROSS_ORIGIN
 */
export class CrossOriginError extends LabError {
  constructor(origin: string) {
    super(
      'ERR_FAKE_CROSS_ORIGIN',
      `This form was sent from ${quote(origin, 80)}, not from the fake Bitbucket's own pages, and was refused. ` +
        'Use the buttons of the fake Bitbucket itself.',
    );
  }
}

/**
 * A page or object the fake does not have: an unknown workspace, repository, app or module.
 *
 * @example
 * // GET /teamsinspace/no-such-repo → 404 ERR_FAKE_NOT_FOUND
 */
export class PageNotFoundError extends LabError {
  constructor(what: string, hint = 'Start from the workspace overview at /.') {
    super('ERR_FAKE_NOT_FOUND', `${what} was not found. ${hint}`);
  }
}

/**
 * A form field is missing or malformed.
 *
 * @example
 * // POST /site/scenario with scenario=banana → 400 ERR_FAKE_FORM
 */
export class FormFieldError extends LabError {
  constructor(field: string, expected: string) {
    super('ERR_FAKE_FORM', `The form field "${field}" must be ${expected}. Go back and submit the form from the page.`);
  }
}

/**
 * The app URL typed into "Install app from URL" is not one the fake can fetch a descriptor from.
 *
 * @example
 * descriptorLocation('127.0.0.1:3000') // throws ERR_FAKE_APP_URL: include http://
 */
export class AppUrlError extends LabError {
  constructor(value: string, problem: string) {
    super(
      'ERR_FAKE_APP_URL',
      `The app URL ${quote(value)} ${problem}. Type the app's base URL, like http://127.0.0.1:3000, ` +
        'or the full descriptor URL, like http://127.0.0.1:3000/atlassian-connect.json.',
      { lesson: DESCRIPTOR_LESSON },
    );
  }
}

/**
 * The install link's `redirect_uri` is not under the app's `baseUrl`: Bitbucket requires it
 * there (protocol.md §7), so the browser can only be sent back to the app that is installed.
 *
 * @example
 * // /site/addons/authorize?descriptor_uri=http://127.0.0.1:3000&redirect_uri=https://evil.example/ → 400 ERR_FAKE_REDIRECT_URI
 */
export class RedirectUriError extends LabError {
  constructor(value: string, baseUrl: string) {
    super(
      'ERR_FAKE_REDIRECT_URI',
      `The install link's redirect_uri ${quote(value)} is not under the app's baseUrl ${quote(baseUrl)}. Bitbucket ` +
        'sends the browser back to redirect_uri (with ?client_key=...) after the install, and only to a URL of the app ' +
        `itself: use one that starts with ${baseUrl}/.`,
      { lesson: DESCRIPTOR_LESSON },
    );
  }
}

/**
 * The descriptor URL did not answer: the app is not running, or not at that address.
 *
 * @example
 * await fetchDescriptor('http://127.0.0.1:3999/atlassian-connect.json') // rejects: ERR_FAKE_DESCRIPTOR_UNREACHABLE
 */
export class DescriptorUnreachableError extends LabError {
  constructor(url: string, reason: string, options: { cause?: unknown } = {}) {
    super(
      'ERR_FAKE_DESCRIPTOR_UNREACHABLE',
      `Bitbucket could not fetch the descriptor at ${url}: ${reason}. Is the app running (npm start, or npm run rehearse) at that address?`,
      { lesson: DESCRIPTOR_LESSON, cause: options.cause },
    );
  }
}

/**
 * The descriptor URL answered, but not with a descriptor: an HTTP error, a redirect, a body that
 * is not JSON or is too large.
 *
 * @example
 * // the app answers 404 for /atlassian-connect.json → ERR_FAKE_DESCRIPTOR_RESPONSE
 */
export class DescriptorResponseError extends LabError {
  constructor(url: string, problem: string) {
    super(
      'ERR_FAKE_DESCRIPTOR_RESPONSE',
      `Bitbucket fetched ${url}, but ${problem}. The app must serve its descriptor there as JSON (lesson 1).`,
      { lesson: DESCRIPTOR_LESSON },
    );
  }
}

/**
 * The descriptor changed between the consent page and "Grant access": the scopes granted might
 * not be the scopes shown, so nothing is installed.
 *
 * @example
 * // POST /site/addons/authorize with a stale descriptor_sha256 → 409 ERR_FAKE_DESCRIPTOR_CHANGED
 */
export class DescriptorChangedError extends LabError {
  constructor() {
    super(
      'ERR_FAKE_DESCRIPTOR_CHANGED',
      'The app descriptor changed after you reviewed it (the app restarted with another configuration?), ' +
        'so what you would grant is not what you saw. Nothing was installed: review it again and grant access.',
      { lesson: DESCRIPTOR_LESSON },
    );
  }
}

/**
 * The app answered the `installed` lifecycle call with an error: Bitbucket treats the install as
 * failed and keeps nothing.
 *
 * @example
 * // the app answers 401 ERR_REINSTALL_UNAUTHENTICATED → 502 ERR_FAKE_INSTALL_REFUSED
 */
export class InstallRefusedError extends LabError {
  /** The app's HTTP status. */
  readonly status: number;
  /** The app's answer, redacted and cut short, for the page. */
  readonly body: string;

  constructor(url: string, status: number, body: string, hint: string) {
    super(
      'ERR_FAKE_INSTALL_REFUSED',
      `The app answered the installed callback (POST ${url}) with HTTP ${status}, so Bitbucket did not install it. ${hint}`,
      { lesson: LIFECYCLE_LESSON },
    );
    this.status = status;
    this.body = body;
  }
}

/**
 * An unexpected failure inside the fake: the page names the request id, the terminal has the rest.
 *
 * @example
 * next(new FakeInternalError('r12')) // 500 page: "Look for id=r12 in the terminal"
 */
export class FakeInternalError extends LabError {
  constructor(requestId: string) {
    super(
      'ERR_FAKE_INTERNAL',
      `Something went wrong inside the fake Bitbucket. Its terminal shows the details: look for id=${requestId}.`,
    );
  }
}
