import { mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

/** `test-output/` at the project root: git-ignored, for people to look at after a run. */
export const SCREENSHOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output');

/**
 * Saves a screenshot (the full page unless `fullPage: false`) as `test-output/<name>.png`,
 * prints where, and returns the path.
 *
 * @example await saveScreenshot(page, 'e2e-1-installed')
 */
export async function saveScreenshot(page: Page, name: string, o: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: o.fullPage ?? true });
  console.log(`screenshot: ${relative(process.cwd(), path)}`);
  return path;
}
