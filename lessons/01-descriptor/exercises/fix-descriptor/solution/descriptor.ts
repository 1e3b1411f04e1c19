/**
 * The descriptor of an app served at https://abc123.ngrok.app. Bitbucket refused it: the mistakes
 * in it are the ones people make most (lesson 1's notes). Fix each so that Bitbucket installs it.
 */
export const descriptor = {
  key: 'jwt-grant-tutorial',
  name: 'JWT Grant Tutorial',
  description: 'Learn the Bitbucket Cloud JWT grant: sign a JWT with the installation secret, swap it for an access token, call the REST API.',
  vendor: { name: 'jwt-grant-lab', url: 'https://abc123.ngrok.app' },
  // #region exercise: the mistakes
  baseUrl: 'https://abc123.ngrok.app',
  authentication: { type: 'jwt' },
  lifecycle: {
    installed: '/installed',
    uninstalled: '/uninstalled',
  },
  scopes: ['account', 'repository'],
  contexts: ['account'],
  modules: {
    repoPages: [
      {
        key: 'jwt-grant',
        name: { value: 'JWT Authorization Grant' },
        url: '/oauth-callback?repoUuid={repository.uuid}',
        location: 'org.bitbucket.repository.navigation',
      },
    ],
  },
  // #endregion
};
