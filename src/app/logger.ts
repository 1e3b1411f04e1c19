import { redactSecret, redactText } from '../redact.ts';
import { escapeCodePoint, neutralizeFormatCharacters } from '../text/format-characters.ts';

/**
 * Where the app writes its log lines. Inject one to capture lines in tests; the default writes
 * to stdout (info) and stderr (errors).
 *
 * @example
 * const lines: string[] = []
 * const logger: Logger = { info: (l) => lines.push(l), error: (l) => lines.push(l) }
 */
export interface Logger {
  info(line: string): void;
  error(line: string): void;
}

/**
 * A {@link Logger} that redacts every line before it leaves the app.
 *
 * @example log.info(`installed clientKey=${clientKey}`, [payload.sharedSecret])
 */
export interface SafeLogger {
  /** `secrets`: values known to this request (a payload's sharedSecret) to redact as well. */
  info(line: string, secrets?: Iterable<string | undefined>): void;
  error(line: string, secrets?: Iterable<string | undefined>): void;
}

/** `jwt=...`, `"sharedSecret": "..."`, `access_token=...`: secrets named by their key. */
const NAMED_SECRET = /\b(jwt|sharedSecret|shared_secret|access_token|accessToken)(["']?\s*[:=]\s*["']?)([^\s"'&,;}]+)/g;

/** C0 controls, DEL and C1 controls (U+009B is an 8-bit CSI a terminal may obey). */
const CONTROL_CHARACTER = /\p{Cc}/gu;

/**
 * Makes a line safe to log: JWT-shaped strings, the given secrets and values of secret-named keys
 * redacted; control characters escaped (a path cannot forge a second log line or drive the
 * terminal that tails the log), and so are Unicode format characters (a right-to-left override or
 * a zero-width character cannot disguise what the line says).
 *
 * @example
 * sanitizeLogLine('GET /x?jwt=abc.def.ghi') // 'GET /x?jwt=abc.…(11 chars)'
 * sanitizeLogLine('path=/a\nforged') // 'path=/a\\x0aforged'
 * sanitizeLogLine('file=invoice\u202Etxt.exe') // 'file=invoice\\u202etxt.exe'
 */
export function sanitizeLogLine(line: string, secrets: Iterable<string | undefined> = []): string {
  const redacted = redactText(line, secrets).replace(NAMED_SECRET, (_match, key: string, sep: string, value: string) =>
    value.includes('…(') ? `${key}${sep}${value}` : `${key}${sep}${redactSecret(value)}`,
  );
  return neutralizeFormatCharacters(redacted.replace(CONTROL_CHARACTER, escapeCodePoint));
}

/**
 * Wraps a logger so every line is passed through {@link sanitizeLogLine}: the app logs through
 * this wrapper only, so no handler can forget to redact.
 *
 * @example
 * const log = safeLogger(consoleLogger())
 * log.info(`installed clientKey=${clientKey}`, [payload.sharedSecret])
 */
export function safeLogger(logger: Logger): SafeLogger {
  return {
    info: (line, secrets) => logger.info(sanitizeLogLine(line, secrets)),
    error: (line, secrets) => logger.error(sanitizeLogLine(line, secrets)),
  };
}

/**
 * The default logger: `<ISO time> <level> <line>` on stdout (info) and stderr (error).
 *
 * @example createApp({ config, store, logger: consoleLogger() })
 */
export function consoleLogger(
  options: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream; now?: () => number } = {},
): Logger {
  const { stdout = process.stdout, stderr = process.stderr, now = Date.now } = options;
  const stamp = () => new Date(now()).toISOString();
  return {
    info: (line) => void stdout.write(`${stamp()} info ${line}\n`),
    error: (line) => void stderr.write(`${stamp()} error ${line}\n`),
  };
}
