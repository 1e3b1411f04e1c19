import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { inspectJwt } from '../../jwt/inspect.ts';
import { InspectInputError } from '../../jwt/inspect-errors.ts';
import { readTokenInput } from '../../jwt/token-input.ts';
import { redactText } from '../../redact.ts';
import type { InstallationStore } from '../../store/installation.ts';
import type { ErrorContext } from '../error-handler.ts';
import { BodyTooLargeError } from '../errors.ts';
import { renderInspectPage, type InspectForm } from '../views/inspect.ts';

/**
 * What `/inspect` needs.
 *
 * @example inspectRoutes({ store, appBaseUrl: config.baseUrl, bitbucketUrl: config.bitbucketUrl, basePath: '', now: Date.now })
 */
export interface InspectRouteDeps {
  store: InstallationStore;
  appBaseUrl: string;
  bitbucketUrl: string;
  /** The path of BASE_URL, prefixed to the page's links and the form's action. */
  basePath: string;
  now: () => number;
}

/** A token is at most 8 KiB (the verifiers' limit); the URL and a form body fit beside it. */
const FORM_LIMIT_BYTES = 32 * 1024;
const FIELDS = ['token', 'method', 'url', 'body', 'baseUrl', 'sharedSecret'] as const;

const page: RequestHandler = (_req, res, next) => {
  Object.assign(res.locals, { routeKind: 'page', errorFormat: 'html' } satisfies ErrorContext);
  // The answer holds what was pasted (redacted): no cache may keep it.
  res.setHeader('Cache-Control', 'no-store');
  next();
};

const tooLarge: ErrorRequestHandler = (error: { type?: unknown }, _req, _res, next) => {
  next(error?.type === 'entity.too.large' ? new BodyTooLargeError(FORM_LIMIT_BYTES) : error);
};

/** The form's fields, each one string at most; anything else (a repeated field) is a problem. */
function readForm(body: unknown): { form: InspectForm & { token: string; sharedSecret: string }; problem?: string } {
  const values = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const form = { token: '', sharedSecret: '' } as InspectForm & { token: string; sharedSecret: string };
  for (const field of FIELDS) {
    const value = values[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') return { form, problem: `The field ${field} was sent more than once: send each field once.` };
    form[field] = value;
  }
  return { form };
}

/**
 * `GET /inspect` (the form) and `POST /inspect` (the analysis): `npm run inspect` in a browser.
 * The token comes in the POST body, never in the URL (URLs end up in logs and history); the
 * secret field is optional, used for this one analysis, never stored, logged or shown again
 * (named `sharedSecret`, so the error handler redacts it from any log line). Nothing is stored.
 *
 * @example router.use(inspectRoutes({ store, appBaseUrl, bitbucketUrl, basePath: '', now: Date.now }))
 */
export function inspectRoutes(deps: InspectRouteDeps): Router {
  const router = Router();
  router.get('/inspect', page, (_req, res) => {
    res.status(200).type('html').send(renderInspectPage({ basePath: deps.basePath, form: {} }));
  });
  const analyse: RequestHandler = async (req, res) => {
    const { form, problem } = readForm(req.body);
    const { sharedSecret, token: pasted, ...shown } = form;
    const answer = (status: number, html: string) => res.status(status).type('html').send(redactText(html, [sharedSecret]));
    const input = readTokenInput(pasted);
    if (problem || input.token === '') {
      return answer(400, renderInspectPage({ basePath: deps.basePath, form: shown, problem: problem ?? 'Paste a token first: the token field is empty.' }));
    }
    const url = shown.url || input.url;
    try {
      const inspection = await inspectJwt(input.token, {
        request: url ? { method: shown.method || undefined, url, body: shown.body } : undefined,
        baseUrl: shown.baseUrl || undefined,
        appBaseUrl: deps.appBaseUrl,
        bitbucketUrl: deps.bitbucketUrl,
        secret: sharedSecret ? { secret: sharedSecret, label: 'the shared secret field' } : undefined,
        installations: deps.store,
        secretHint: 'Fill in the shared secret field, or inspect a token of an installation this app has stored.',
        now: deps.now,
      });
      answer(200, renderInspectPage({ basePath: deps.basePath, form: shown, inspection }));
    } catch (error) {
      if (!(error instanceof InspectInputError)) throw error;
      answer(400, renderInspectPage({ basePath: deps.basePath, form: shown, problem: error.message }));
    }
  };
  const formParser = express.urlencoded({ extended: false, limit: FORM_LIMIT_BYTES, parameterLimit: FIELDS.length * 2 });
  router.post('/inspect', page, formParser, tooLarge, analyse);
  return router;
}
