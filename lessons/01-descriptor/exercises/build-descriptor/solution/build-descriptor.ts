import type { Descriptor } from '../../../../../src/connect/descriptor.ts';

/**
 * The app descriptor, `atlassian-connect.json`: what Bitbucket reads to install the app. It says
 * who the app is (`key`), where it lives (`baseUrl`), how Bitbucket signs its calls (`jwt`), where
 * to post the lifecycle events, what the app may do (`scopes`), and what it shows (`modules`).
 */

/**
 * The descriptor this lab's app serves for a base URL: one repository page, "JWT Authorization
 * Grant", whose iframe URL carries the repository's UUID.
 *
 * @example
 * buildDescriptor({ appKey: 'jwt-grant-tutorial', baseUrl: 'https://abc123.ngrok.app' }).lifecycle.installed // '/installed'
 */
export function buildDescriptor(o: { appKey: string; baseUrl: string }): Descriptor {
  // #region exercise: the app's identity and address
  const key = o.appKey;
  const baseUrl = o.baseUrl.replace(/\/+$/, '');
  // #endregion
  return {
    key,
    name: 'JWT Grant Tutorial',
    description: 'Learn the Bitbucket Cloud JWT grant: sign a JWT with the installation secret, swap it for an access token, call the REST API.',
    vendor: { name: 'jwt-grant-lab', url: baseUrl },
    baseUrl,
    authentication: { type: 'jwt' },
    // #region exercise: lifecycle, scopes and contexts
    lifecycle: { installed: '/installed', uninstalled: '/uninstalled' },
    scopes: ['account', 'repository'],
    contexts: ['account'],
    // #endregion
    modules: {
      repoPages: [
        {
          // #region exercise: the repository page
          key: 'jwt-grant',
          name: { value: 'JWT Authorization Grant' },
          url: '/oauth-callback?repoUuid={repository.uuid}',
          location: 'org.bitbucket.repository.navigation',
          // #endregion
          params: { auiIcon: 'aui-iconfont-unlock' },
        },
      ],
    },
  };
}
