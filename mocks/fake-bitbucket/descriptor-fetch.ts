import { createHash } from 'node:crypto';
import { AppUrlError, DescriptorResponseError, DescriptorUnreachableError } from './errors.ts';

/**
 * Fetching an app's descriptor, as Bitbucket does when a workspace admin installs an app from its
 * URL: one GET, bounded in time and size, no redirects followed.
 */

/** Where an app's descriptor is, and the app's address on this machine. */
export interface DescriptorLocation {
  /** The app's base URL as typed (no trailing slash): where lifecycle calls are delivered. */
  appUrl: string;
  /** `appUrl + '/atlassian-connect.json'`, or the descriptor URL as typed. */
  descriptorUrl: string;
}

/** A descriptor as fetched, not yet validated. */
export interface FetchedDescriptor {
  /** The parsed JSON. */
  json: unknown;
  /** Hex SHA-256 of the body: ties the consent page to the descriptor later installed. */
  sha256: string;
}

/** The file name Connect apps serve their descriptor as. */
export const DESCRIPTOR_FILE = 'atlassian-connect.json';
const MAX_URL_LENGTH = 2048;
const DEFAULT_TIMEOUT_MS = 10_000;
/** This lab's descriptor is 1 KB; a real app's rarely over 50 KB. */
const DEFAULT_MAX_BYTES = 256 * 1024;

/**
 * Reads what was typed in "Install app from URL": the app's base URL, or its descriptor's URL
 * (ending in `.json`). Only absolute http(s) URLs without user name, password or fragment.
 *
 * @throws {AppUrlError} `ERR_FAKE_APP_URL`, saying what is wrong and what to type.
 *
 * @example
 * descriptorLocation('http://127.0.0.1:3000/')
 * // { appUrl: 'http://127.0.0.1:3000', descriptorUrl: 'http://127.0.0.1:3000/atlassian-connect.json' }
 */
export function descriptorLocation(input: unknown): DescriptorLocation {
  if (typeof input !== 'string' || input.trim() === '') throw new AppUrlError('', 'is empty');
  const value = input.trim();
  if (value.length > MAX_URL_LENGTH) throw new AppUrlError(value, `is longer than ${MAX_URL_LENGTH} characters`);
  if (!/^[a-z][a-z\d+.-]*:\/\//i.test(value)) throw new AppUrlError(value, 'has no scheme: start it with http:// or https://');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppUrlError(value, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AppUrlError(value, 'must be an http or https URL');
  if (url.username || url.password) throw new AppUrlError(value, 'must not contain a user name or password');
  if (url.hash) throw new AppUrlError(value, 'must not have a fragment (#...)');
  if (url.pathname.endsWith('.json')) {
    const appPath = url.pathname.slice(0, url.pathname.lastIndexOf('/'));
    return { appUrl: `${url.origin}${appPath}`, descriptorUrl: url.href };
  }
  if (url.search) throw new AppUrlError(value, 'has a query string, which an app base URL never has');
  const appUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  return { appUrl, descriptorUrl: `${appUrl}/${DESCRIPTOR_FILE}` };
}

/** The body as text, refusing to hold more than `maxBytes`. */
async function boundedText(response: Response, url: string, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new DescriptorResponseError(url, `its body is ${declared} bytes, more than the ${maxBytes} a descriptor may have`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new DescriptorResponseError(url, `its body is more than the ${maxBytes} bytes a descriptor may have`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeFailure(cause: unknown, timeoutMs: number): string {
  if (cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const detail = cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : undefined;
  return detail ?? (cause instanceof Error ? cause.message : String(cause));
}

/**
 * GETs a descriptor and parses it. Redirects are reported, not followed (an install from URL
 * should name the URL that serves the descriptor); the body must be JSON, at most `maxBytes`.
 *
 * @throws {DescriptorUnreachableError} `ERR_FAKE_DESCRIPTOR_UNREACHABLE`: no answer.
 * @throws {DescriptorResponseError} `ERR_FAKE_DESCRIPTOR_RESPONSE`: an HTTP error, a redirect, not JSON, too large.
 *
 * @example
 * const { json, sha256 } = await fetchDescriptor('http://127.0.0.1:3000/atlassian-connect.json')
 * const descriptor = validateDescriptor(json, { live: false })
 */
export async function fetchDescriptor(
  descriptorUrl: string,
  o: { fetch?: typeof fetch; timeoutMs?: number; maxBytes?: number } = {},
): Promise<FetchedDescriptor> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await (o.fetch ?? fetch)(descriptorUrl, {
      headers: { Accept: 'application/json' },
      redirect: 'manual',
      signal,
    });
  } catch (cause) {
    throw new DescriptorUnreachableError(descriptorUrl, describeFailure(cause, timeoutMs), { cause });
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    const location = response.headers.get('location');
    throw new DescriptorResponseError(
      descriptorUrl,
      `it answered with a redirect (HTTP ${response.status}${location ? ` to ${location.slice(0, 200)}` : ''}): type the URL it redirects to`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new DescriptorResponseError(descriptorUrl, `it answered HTTP ${response.status} instead of the descriptor`);
  }
  let text: string;
  try {
    text = await boundedText(response, descriptorUrl, o.maxBytes ?? DEFAULT_MAX_BYTES);
  } catch (cause) {
    if (cause instanceof DescriptorResponseError) throw cause;
    throw new DescriptorUnreachableError(descriptorUrl, describeFailure(cause, timeoutMs), { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const type = response.headers.get('content-type') ?? 'no content type';
    throw new DescriptorResponseError(
      descriptorUrl,
      `its body is not JSON (${type}; ${cause instanceof Error ? cause.message.slice(0, 120) : 'parse error'})`,
    );
  }
  return { json, sha256: createHash('sha256').update(text, 'utf8').digest('hex') };
}
