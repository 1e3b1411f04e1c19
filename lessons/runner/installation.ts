import type { Config } from '../../src/config.ts';
import type { Installation, InstallationStore } from '../../src/store/installation.ts';
import { NoInstallationError } from './errors.ts';
import type { ManifestEntry } from './manifest.ts';

/**
 * The installation the lessons act for: the most recently (re-)installed active one. A store
 * usually holds one; after installs into several workspaces, the latest is the one the learner
 * just made. Pending first installs and uninstalled ones are never used; live, neither is one the
 * simulated Bitbucket made (it never existed on bitbucket.org).
 *
 * @example
 * const installation = await latestInstallation(store, { live: config.live }) // undefined when none is usable
 */
export async function latestInstallation(store: Pick<InstallationStore, 'list'>, o: { live?: boolean } = {}): Promise<Installation | undefined> {
  const usable = await store.list(o.live ? { state: 'active', origin: 'bitbucket' } : { state: 'active' });
  return usable.reduce<Installation | undefined>((latest, i) => (!latest || i.updatedAt > latest.updatedAt ? i : latest), undefined);
}

/**
 * What to do when no installation is stored, offline: run the lesson that makes one.
 *
 * @example
 * offlineNoInstallationMessage({ number: 2, slug: 'lifecycle', title: 'Installed', provides: 'installation' })
 * // 'No installation yet: run `npm run lesson 2` first ...'
 */
export function offlineNoInstallationMessage(provider: ManifestEntry | undefined): string {
  if (!provider) {
    return 'No installation yet, and no lesson in lessons/manifest.json provides one ("provides": "installation").';
  }
  return `No installation yet: run \`npm run lesson ${provider.number}\` first (${provider.title}), or add --simulate to simulate it now.`;
}

/**
 * What to do when no installation from real Bitbucket is stored in live mode: get real Bitbucket
 * to post one. `simulated`: how many the simulated Bitbucket made, which live mode never uses.
 *
 * @example
 * liveNoInstallationMessage(loadConfig({ LIVE: '1' }), 1)
 */
export function liveNoInstallationMessage(config: Config, simulated = 0): string {
  const descriptorUrl = config.baseUrl.startsWith('https://')
    ? `${config.baseUrl}/atlassian-connect.json`
    : '<your BASE_URL>/atlassian-connect.json';
  return [
    ...(simulated > 0
      ? [
          `${config.dataDir} holds ${simulated} installation${simulated === 1 ? '' : 's'} made by the lab's simulated Bitbucket (offline lessons): ` +
            'live mode never sends those to bitbucket.org (run without LIVE=1 to keep using them offline).',
        ]
      : []),
    `No installation from real Bitbucket yet in ${config.dataDir}. In live mode the lessons use the installation that Bitbucket posted to your app. To get one:`,
    `  1. Start the app: npm start (it listens on port ${config.port}, with the same DATA_DIR).`,
    `  2. Expose it over https: ngrok http ${config.port}`,
    '  3. Set BASE_URL to the https URL ngrok prints (e.g. BASE_URL=https://abc123.ngrok.app) and restart npm start.',
    `  4. Install the app from ${descriptorUrl} in your workspace (Workspace settings > Installed apps > Install app from URL).`,
    '     Only Connect apps registered before February 2, 2026 can still be installed.',
    '  5. Run this lesson again with LIVE=1.',
    'Read more: npm run notes 7, and "Live mode" in the README. Without LIVE=1 the lessons run offline against a simulated Bitbucket.',
  ].join('\n');
}

/**
 * The error `ctx.installation()` throws when none is usable; given the store, live mode also says
 * how many simulated installations it will not use.
 *
 * @example
 * throw await noInstallationError(config, manifest.find((e) => e.provides === 'installation'), store)
 */
export async function noInstallationError(
  config: Config,
  provider: ManifestEntry | undefined,
  store?: Pick<InstallationStore, 'count'>,
): Promise<NoInstallationError> {
  if (!config.live) return new NoInstallationError(offlineNoInstallationMessage(provider));
  const simulated = store ? await store.count({ state: 'active', origin: 'simulated' }) : 0;
  return new NoInstallationError(liveNoInstallationMessage(config, simulated));
}
