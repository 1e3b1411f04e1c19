import { isIP } from 'node:net';
import { ConfigError } from '../config.ts';

/**
 * The value Express's `trust proxy` setting takes.
 *
 * @example app.set('trust proxy', parseTrustProxy(process.env.TRUST_PROXY) satisfies TrustProxy)
 */
export type TrustProxy = boolean | number | string;

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An IP address or CIDR subnet (`10.0.0.0/8`, `::1/128`). */
function isAddressOrSubnet(value: string): boolean {
  const [address = '', bits, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * Parses `TRUST_PROXY` for Express's `trust proxy` setting: which proxies in front of the app may
 * set `X-Forwarded-For` (the client address in the logs). Behind ngrok the agent runs on this
 * machine, so `TRUST_PROXY=loopback` is the right value; unset trusts no one.
 *
 * Accepted: unset/`false` (trust nobody), `true` (trust every hop: only behind a proxy you run),
 * a hop count (`1`), or a comma-separated list of addresses, subnets and the names `loopback`,
 * `linklocal`, `uniquelocal`.
 *
 * @example
 * parseTrustProxy(undefined) // false
 * parseTrustProxy('loopback') // 'loopback'
 * parseTrustProxy('1') // 1
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  const invalid = entries.find((entry) => !NAMED_RANGES.has(entry) && !isAddressOrSubnet(entry));
  if (invalid !== undefined) {
    throw new ConfigError(
      `TRUST_PROXY="${value}": "${invalid}" is not an address, subnet or one of loopback, linklocal, uniquelocal. Behind ngrok use TRUST_PROXY=loopback.`,
    );
  }
  return entries.join(',');
}
