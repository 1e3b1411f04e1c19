import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * The system Chromium the browser test drives with playwright-core (which downloads no browser):
 * Debian's `chromium` package, or whatever `CHROMIUM_PATH` names.
 */

/** Debian's `chromium` package puts its launcher here. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The flags of every launch. Without the background-networking ones Chromium keeps calling
 * Google services, which on a machine without internet floods the log and slows the test.
 */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/**
 * The Chromium to use: `CHROMIUM_PATH`, else {@link DEFAULT_CHROMIUM_PATH}.
 *
 * @example chromiumPath({ CHROMIUM_PATH: '/opt/chromium/chrome' }) // '/opt/chromium/chrome'
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH?.trim() || DEFAULT_CHROMIUM_PATH;
}

/**
 * True when `path` is an executable file.
 *
 * @example if (!isExecutable(chromiumPath())) console.log('no browser')
 */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Launches headless Chromium with {@link CHROMIUM_ARGS}.
 *
 * @example
 * const browser = await launchChromium(chromiumPath())
 * try { await (await browser.newPage()).goto(url) } finally { await browser.close() }
 */
export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
}
