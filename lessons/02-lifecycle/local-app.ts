/**
 * The lab's app on a free loopback port, for the duration of one step: offline, lesson 2 plays
 * Bitbucket against the very app `npm start` serves (src/app/create-app.ts), so the lifecycle calls
 * it sends are real HTTP exchanges that the runner prints and records.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app/create-app.ts';
import type { LessonContext } from '../runner/lesson.ts';

/**
 * The running app, as a step sees it.
 *
 * @example
 * await withLocalApp(ctx, async (app) => { await installApp({ appBaseUrl: app.url, ... }); ctx.show('App log', app.log) })
 */
export interface LocalApp {
  /** `http://127.0.0.1:<port>`: where the app can be reached from this process. */
  url: string;
  /** The lines the app logged so far (already redacted by the app's logger), oldest first. */
  log: string[];
}

/**
 * Runs `use` with the app listening on `127.0.0.1` (a port the system picks), backed by the
 * lesson's store and clock, and closes it afterwards, also when `use` throws. Loopback only: the
 * app is never reachable from another machine, and the offline mock lets loopback requests through.
 *
 * @example
 * const status = await withLocalApp(ctx, async (app) => (await ctx.fetch(`${app.url}/healthcheck`)).status)
 */
export async function withLocalApp<T>(ctx: LessonContext, use: (app: LocalApp) => Promise<T>): Promise<T> {
  const log: string[] = [];
  const app = createApp({
    config: ctx.config,
    store: ctx.store,
    now: ctx.now,
    // The app's log lines are part of what the learner reads: collected, never written to the console.
    logger: { info: (line) => log.push(line), error: (line) => log.push(line) },
  });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  try {
    return await use({ url: `http://127.0.0.1:${port}`, log });
  } finally {
    // fetch keeps connections alive: cut them, or close() would wait for them to time out.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
