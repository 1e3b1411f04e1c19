/** `127.x.x.x`, as the URL parser normalises an IPv4 address. */
const IPV4_LOOPBACK = /^127(?:\.\d{1,3}){3}$/;

/**
 * True for an http(s) URL on this machine: `localhost`, `127.x.x.x` or `[::1]`, any port. Offline,
 * these are the only requests that reach the network (the lab's app on a loopback port); a host
 * that merely starts like one (`localhost.example.com`) is not loopback.
 *
 * @example
 * isLoopbackUrl('http://127.0.0.1:3000/installed') // true
 * isLoopbackUrl('https://api.bitbucket.org/2.0/user') // false
 */
export function isLoopbackUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  const host = parsed.hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || IPV4_LOOPBACK.test(host);
}
