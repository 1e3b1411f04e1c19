/**
 * Helpers for the fake Bitbucket's own tests: read values out of its HTML, and press its buttons
 * the way its pages do (with the `Origin` a browser sends).
 */

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/**
 * Undoes `escapeHtml`.
 *
 * @example unescapeHtml('a&amp;b') // 'a&b'
 */
export function unescapeHtml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);
}

/**
 * The value of a hidden form field of a page.
 *
 * @example hiddenInput(html, 'descriptor_sha256') // '3f…'
 */
export function hiddenInput(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  if (!match?.[1]) throw new Error(`no hidden input ${name} in the page`);
  return unescapeHtml(match[1]);
}

/**
 * The `src` of the page's iframe.
 *
 * @example iframeSrc(html) // 'http://127.0.0.1:3000/oauth-callback?repoUuid=…&jwt=…'
 */
export function iframeSrc(html: string): string {
  const match = /<iframe[^>]* src="([^"]*)"/.exec(html);
  if (!match?.[1]) throw new Error('no iframe in the page');
  return unescapeHtml(match[1]);
}

/**
 * POSTs a form to the fake as its own pages do: urlencoded, with the fake's `Origin`, not
 * following the redirect.
 *
 * @example await postForm(fakeUrl, '/site/scenario', { scenario: 'slow' })
 */
export function postForm(fakeUrl: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${fakeUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: fakeUrl, ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

/**
 * "Install app from URL" (or the install link, with `redirectUri`) then "Grant access": GETs the
 * consent page for `appUrl` and posts its form, ticking "new secret" with `rotate`. Returns the
 * consent page and the answer to the grant.
 *
 * @example const { granted } = await installThroughPages(fakeUrl, appUrl); granted.status // 200
 */
export async function installThroughPages(
  fakeUrl: string,
  appUrl: string,
  o: { rotate?: boolean; redirectUri?: string } = {},
): Promise<{ consent: string; granted: Response }> {
  const link = new URLSearchParams({ descriptor_uri: appUrl, ...(o.redirectUri ? { redirect_uri: o.redirectUri } : {}) });
  const consentResponse = await fetch(`${fakeUrl}/site/addons/authorize?${link}`);
  const consent = await consentResponse.text();
  if (consentResponse.status !== 200) throw new Error(`consent page: HTTP ${consentResponse.status}`);
  const granted = await postForm(fakeUrl, '/site/addons/authorize', {
    descriptor_uri: hiddenInput(consent, 'descriptor_uri'),
    descriptor_sha256: hiddenInput(consent, 'descriptor_sha256'),
    ...(o.redirectUri ? { redirect_uri: hiddenInput(consent, 'redirect_uri') } : {}),
    ...(o.rotate ? { rotate: 'on' } : {}),
  });
  return { consent, granted };
}
