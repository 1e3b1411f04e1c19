import type { Descriptor } from '../../../../src/connect/descriptor.ts';

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
  // TODO (rule 1, key): the app key names the app everywhere: it is the `iss` of every JWT the app signs.
  const key = 'TODO';
  // TODO (rule 2, baseUrl): Bitbucket builds every URL as baseUrl + path, so no trailing "/".
  const baseUrl = o.baseUrl;
  // #endregion
  return {
    key,
    name: 'JWT Grant Tutorial',
    description: 'Learn the Bitbucket Cloud JWT grant: sign a JWT with the installation secret, swap it for an access token, call the REST API.',
    vendor: { name: 'jwt-grant-lab', url: baseUrl },
    baseUrl,
    authentication: { type: 'jwt' },
    // #region exercise: lifecycle, scopes and contexts
    // TODO (rule 3, lifecycle): where Bitbucket POSTs the installed and uninstalled events,
    // relative to baseUrl: "/installed" and "/uninstalled".
    lifecycle: { installed: '', uninstalled: '' },
    // TODO (rule 4, scopes): what the app's access tokens may do: read the account and repositories.
    scopes: [],
    // TODO (rule 5, contexts): the app belongs to the workspace that installs it.
    contexts: [],
    // #endregion
    modules: {
      repoPages: [
        {
          // #region exercise: the repository page
          // TODO (rule 6, the page): key "jwt-grant", named "JWT Authorization Grant", shown in the
          // repository's navigation (location "org.bitbucket.repository.navigation").
          // TODO (rule 7, its URL): "/oauth-callback", with the repository's UUID as the `repoUuid`
          // query parameter: a context parameter, {repository.uuid}, that Bitbucket fills in.
          key: '',
          name: { value: '' },
          url: '/oauth-callback',
          // #endregion
          params: { auiIcon: 'aui-iconfont-unlock' },
        },
      ],
    },
  };
}
