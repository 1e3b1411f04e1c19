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
  // TODO (rules 1 and 2): how does Bitbucket reach an app, and what does it make of baseUrl + "/installed"?
  baseUrl: 'http://abc123.ngrok.app/',
  authentication: { type: 'jwt' },
  lifecycle: {
    // TODO (rule 3): every URL but baseUrl is relative to it.
    installed: 'https://abc123.ngrok.app/installed',
    uninstalled: '/uninstalled',
  },
  // TODO (rule 4): is each of these a Bitbucket scope?
  scopes: ['account', 'repositories'],
  // TODO (rule 5): which context does Bitbucket still know?
  contexts: ['personal'],
  modules: {
    repoPages: [
      {
        key: 'jwt-grant',
        name: { value: 'JWT Authorization Grant' },
        // TODO (rule 6): Bitbucket prepends baseUrl to this.
        url: 'oauth-callback?repoUuid={repository.uuid}',
        location: 'org.bitbucket.repository.navigation',
      },
    ],
  },
  // #endregion
};
