import { LabError, lessonName } from '../errors.ts';

/**
 * The link that installs the app into a workspace, for an app that is not listed on the
 * Marketplace (docs/protocol.md, section 7; source: developer.atlassian.com/cloud/bitbucket/app-int-install).
 *
 * `addon_key=<key>` only works for apps listed on the Marketplace, so the lab's apps use
 * `descriptor_uri`: Bitbucket fetches the descriptor, asks the user to choose a workspace and
 * grant the scopes, POSTs the `installed` call to the app, then sends the browser to
 * `redirect_uri` with `?client_key=...`. `redirect_uri` is required and must be under the app's
 * `baseUrl`.
 */

/**
 * Where the app receives Bitbucket's redirect after an install: `GET {baseUrl}/install-complete`
 * (src/app/routes/install-complete.ts).
 *
 * @example `${config.baseUrl}${INSTALL_COMPLETE_PATH}` // 'https://abc123.ngrok.app/install-complete'
 */
export const INSTALL_COMPLETE_PATH = '/install-complete';

/** Bitbucket's install page, relative to its web origin. */
export const AUTHORIZE_PATH = '/site/addons/authorize';

/**
 * Options of {@link installLink}.
 *
 * @example const options: InstallLinkOptions = { bitbucketUrl: 'https://bitbucket.org', baseUrl: config.baseUrl }
 */
export interface InstallLinkOptions {
  /** Bitbucket's web origin (config `bitbucketUrl`): `https://bitbucket.org`, or the fake Bitbucket's. */
  bitbucketUrl: string;
  /** The app's `baseUrl`, as in its descriptor: no trailing slash. */
  baseUrl: string;
  /** The path under `baseUrl` Bitbucket sends the browser back to. Default {@link INSTALL_COMPLETE_PATH}. */
  redirectPath?: string;
}

/**
 * The options of {@link installLink} cannot make a valid link: a relative URL, a `baseUrl` with a
 * trailing slash, a redirect path that would leave `baseUrl`.
 *
 * @example new InstallLinkError('redirectPath "install-complete" must start with "/"')
 */
export class InstallLinkError extends LabError {
  constructor(problem: string) {
    super(
      'ERR_INSTALL_LINK',
      `Cannot build the install link: ${problem}. Bitbucket needs an absolute descriptor_uri and a redirect_uri under the app's baseUrl; see ${lessonName(1)}.`,
      { lesson: 1 },
    );
  }
}

function absoluteHttpUrl(value: string, name: string): URL {
  if (!URL.canParse(value)) throw new InstallLinkError(`${name} ${JSON.stringify(value)} is not an absolute URL`);
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InstallLinkError(`${name} ${JSON.stringify(value)} is not http(s)`);
  return url;
}

/**
 * The install link for an app that is not on the Marketplace:
 * `<bitbucketUrl>/site/addons/authorize?descriptor_uri=<baseUrl>/atlassian-connect.json&redirect_uri=<baseUrl><redirectPath>`,
 * both values percent-encoded.
 *
 * @throws {InstallLinkError} `ERR_INSTALL_LINK` when the options cannot make a valid link.
 *
 * @example
 * installLink({ bitbucketUrl: 'https://bitbucket.org', baseUrl: 'https://abc123.ngrok.app' })
 * // 'https://bitbucket.org/site/addons/authorize?descriptor_uri=https%3A%2F%2Fabc123.ngrok.app%2Fatlassian-connect.json&redirect_uri=https%3A%2F%2Fabc123.ngrok.app%2Finstall-complete'
 */
export function installLink(options: InstallLinkOptions): string {
  const { baseUrl, redirectPath = INSTALL_COMPLETE_PATH } = options;
  const base = absoluteHttpUrl(baseUrl, 'baseUrl');
  if (baseUrl.endsWith('/')) throw new InstallLinkError(`baseUrl ${JSON.stringify(baseUrl)} ends with "/": Bitbucket concatenates it with each path`);
  if (base.search || base.hash) throw new InstallLinkError(`baseUrl ${JSON.stringify(baseUrl)} has a query or fragment`);
  // One leading slash and no dot segments: the redirect must stay under baseUrl once resolved.
  if (!/^\/(?!\/)/.test(redirectPath) || /(^|\/)\.\.?(\/|$|[?#])/.test(redirectPath)) {
    throw new InstallLinkError(`redirectPath ${JSON.stringify(redirectPath)} must be a path under baseUrl, starting with one "/"`);
  }
  const link = new URL(AUTHORIZE_PATH, absoluteHttpUrl(options.bitbucketUrl, 'bitbucketUrl'));
  link.searchParams.set('descriptor_uri', `${baseUrl}/atlassian-connect.json`);
  link.searchParams.set('redirect_uri', `${baseUrl}${redirectPath}`);
  return link.href;
}
