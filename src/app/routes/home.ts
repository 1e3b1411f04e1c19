import type { RequestHandler } from 'express';
import { loadManifest } from '../../../lessons/runner/manifest.ts';
import { readProgress } from '../../../lessons/runner/progress.ts';
import type { Config } from '../../config.ts';
import { installLink } from '../../connect/install-link.ts';
import { renderFlowDiagramHtml } from '../../notes/diagram.ts';
import type { InstallationStore } from '../../store/installation.ts';
import { trustedHtml } from '../views/html.ts';
import { renderHome } from '../views/home.ts';

/**
 * What the landing page needs.
 *
 * @example homePage({ config, store, lessonsDir: LESSONS_DIR, basePath: '' } satisfies HomeDeps)
 */
export interface HomeDeps {
  config: Config;
  store: InstallationStore;
  lessonsDir: string;
  /** The path of BASE_URL, prefixed to the page's links. */
  basePath: string;
}

/**
 * `GET /`: the landing page. Reads the manifest and `DATA_DIR/progress.json` on every request
 * (both tiny), so lessons completed meanwhile show without a restart; a missing progress file is
 * no progress.
 *
 * @example app.get('/', homePage({ config, store, lessonsDir, basePath: '' }))
 */
export function homePage(deps: HomeDeps): RequestHandler {
  const { config } = deps;
  return async (_req, res) => {
    const manifest = loadManifest(deps.lessonsDir);
    const { completed } = readProgress(config.dataDir);
    const installations = (await deps.store.list()).length;
    res.setHeader('Cache-Control', 'no-cache');
    res
      .status(200)
      .type('html')
      .send(
        renderHome({
          appKey: config.appKey,
          live: config.live,
          scenario: config.scenario,
          descriptorUrl: `${config.baseUrl}/atlassian-connect.json`,
          installUrl: installLink({ bitbucketUrl: config.bitbucketUrl, baseUrl: config.baseUrl }),
          installations,
          basePath: deps.basePath,
          lessons: manifest.map((entry) => ({ number: entry.number, title: entry.title, completed: completed.includes(entry.number) })),
          diagram: trustedHtml(renderFlowDiagramHtml()),
        }),
      );
  };
}
