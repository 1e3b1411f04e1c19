import { HttpResponse } from 'msw';
import { LAB_NOTES, labNote } from './lab-note.ts';
import { apiError } from './responses.ts';

/**
 * Bitbucket's paging (docs/protocol.md, section 8): `pagelen` 1 to 100, default 10; `page` from 1;
 * `next` and `previous` as absolute URLs on the origin the request came to, with the request's
 * other parameters kept, so a client that follows `next` stays on the same host.
 */

/** Values per page when the request names no `pagelen`. */
export const DEFAULT_PAGELEN = 10;
/** The largest `pagelen` Bitbucket accepts; larger is a 400. */
export const MAX_PAGELEN = 100;

/** A positive whole number written in plain digits, or undefined. */
function positiveInteger(raw: string): number | undefined {
  if (!/^\d{1,9}$/.test(raw)) return undefined;
  const value = Number(raw);
  return value >= 1 ? value : undefined;
}

/**
 * One page of `values` for the request's `page` and `pagelen`, or a 400 for bad ones (its wording
 * the mock's own, marked with `X-Lab-Note`). A page past the end is empty, with `previous`.
 *
 * @example
 * return paginate(request, repositories) // {"pagelen":10,"size":23,"page":1,"values":[...],"next":"...?page=2"}
 */
export function paginate<T>(request: Request, values: readonly T[]): Response {
  const url = new URL(request.url);
  const rawPagelen = url.searchParams.get('pagelen');
  const rawPage = url.searchParams.get('page');
  const pagelen = rawPagelen === null ? DEFAULT_PAGELEN : positiveInteger(rawPagelen);
  if (pagelen === undefined || pagelen > MAX_PAGELEN) {
    return apiError(400, `Invalid pagelen ${JSON.stringify(rawPagelen)}: it must be a whole number from 1 to ${MAX_PAGELEN}.`, {
      headers: labNote(LAB_NOTES.apiRefusal),
    });
  }
  const page = rawPage === null ? 1 : positiveInteger(rawPage);
  if (page === undefined) {
    return apiError(400, `Invalid page ${JSON.stringify(rawPage)}: it must be a whole number from 1.`, { headers: labNote(LAB_NOTES.apiRefusal) });
  }

  const start = (page - 1) * pagelen;
  const body: Record<string, unknown> = {
    pagelen,
    size: values.length,
    page,
    values: values.slice(start, start + pagelen),
  };
  const linkTo = (target: number) => {
    const link = new URL(url);
    link.searchParams.set('page', String(target));
    return link.href;
  };
  if (start + pagelen < values.length) body.next = linkTo(page + 1);
  if (page > 1) body.previous = linkTo(Math.min(page - 1, Math.max(1, Math.ceil(values.length / pagelen))));
  return HttpResponse.json(body);
}
