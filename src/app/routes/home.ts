import type { RequestHandler } from 'express';
import type { Config } from '../../config.ts';
import { installLink } from '../../connect/install-link.ts';
import { renderFlowDiagramHtml } from '../../notes/diagram.ts';
import type { InstallationStore } from '../../store/installation.ts';
import { trustedHtml } from '../../text/html.ts';
import type { Course } from '../course.ts';
import { renderHome } from '../views/home.ts';

/**
 * What the landing page needs.
 *
 * @example homePage({ config, store, course, basePath: '' } satisfies HomeDeps)
 */
export interface HomeDeps {
  config: Config;
  store: InstallationStore;
  /** The lessons and progress to list; without one the page lists no lessons. */
  course?: Course;
  /** The path of BASE_URL, prefixed to the page's links. */
  basePath: string;
}

/**
 * `GET /`: the landing page. Asks the course for its lessons and progress on every request, so
 * lessons completed meanwhile show without a restart.
 *
 * @example app.get('/', homePage({ config, store, course, basePath: '' }))
 */
export function homePage(deps: HomeDeps): RequestHandler {
  const { config, course } = deps;
  return async (_req, res) => {
    const completed = course?.progress().completed ?? [];
    const lessons = course?.lessons().map((lesson) => ({ number: lesson.number, title: lesson.title, completed: completed.includes(lesson.number) }));
    // Counted by the database: the page never reads (or validates) every row.
    const installations = await deps.store.count();
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
          lessons,
          diagram: trustedHtml(renderFlowDiagramHtml()),
        }),
      );
  };
}
