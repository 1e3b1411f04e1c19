import { InvalidOptionError } from './errors.ts';

/**
 * Checks a service base URL (Bitbucket's web or API origin, possibly with a path when a mock is
 * mounted under one) and returns it normalised: origin plus path, without a trailing slash.
 * Credentials, queries and fragments are refused: they would leak into logs or change every
 * request built on the base.
 *
 * @param name How the calling code called the option, for the error message.
 *
 * @example
 * normaliseBaseUrl('https://bitbucket.org/', 'bitbucketUrl')         // 'https://bitbucket.org'
 * normaliseBaseUrl('http://localhost:4000/bb', 'bitbucketUrl')       // 'http://localhost:4000/bb'
 * normaliseBaseUrl('bitbucket.org', 'bitbucketUrl')                  // throws ERR_INVALID_OPTION
 */
export function normaliseBaseUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidOptionError(`${name}="${value}" is not an absolute URL: write it like https://bitbucket.org.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidOptionError(`${name}="${value}" must be an http(s) URL, like https://bitbucket.org.`);
  }
  if (url.username || url.password) {
    throw new InvalidOptionError(`${name} must not carry credentials in the URL: authentication goes in headers.`);
  }
  if (url.search || url.hash) {
    throw new InvalidOptionError(`${name}="${url.origin}${url.pathname}…" must not have a query or fragment.`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
