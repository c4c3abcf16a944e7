import { EvalAIError } from './errors.js';
import { pageSchema } from './schemas.js';
import type { Response, Transport } from './transport.js';
import { validate } from './validate.js';

export interface PaginationOptions {
  /** Stop with an error after this many pages (a runaway or hostile `next`). */
  maxPages?: number;
}

export interface Page {
  number: number;
  count: number;
  results: unknown[];
}

/**
 * Follows DRF page-number pagination (contract §1.6). `next` is an absolute URL the server builds
 * from the request's Host header, so it is followed only when it stays on the configured origin and
 * path: the bearer token is never sent anywhere else. Loops and runaway page counts are errors.
 */
export async function* paginate(
  transport: Transport,
  firstPath: string,
  endpoint: string,
  opts: PaginationOptions = {},
): AsyncGenerator<Page> {
  const maxPages = opts.maxPages ?? 1000;
  const expectedPath = new URL(transport.baseUrl + firstPath).pathname;
  const visited = new Set<string>();
  const fetchPage = (target: string): Promise<Response> => {
    const request = transport.request({ method: 'GET', path: target, endpoint });
    request.catch(() => undefined); // observed when awaited; a consumer that stopped early never awaits it
    return request;
  };
  let target: string = firstPath;
  visited.add(new URL(target, transport.baseUrl + '/').href);
  let pending = fetchPage(target);
  for (let number = 1; ; number++) {
    const res = await pending;
    const page = validate(pageSchema, res.body, endpoint, `page ${number}`);
    // The next page is asked for before this one is handed out: the pages still follow each other
    // (each needs the previous `next`), but the caller's work on this one overlaps the wait for it.
    // A `next` that cannot be followed still lets this page's challenges run first.
    let stop: EvalAIError | undefined;
    if (page.next !== null) {
      try {
        if (number >= maxPages) {
          throw new EvalAIError('unsafe-pagination', endpoint, `more than ${maxPages} pages; stopped (raise --max-pages if this is real)`);
        }
        target = checkedNext(page.next, transport.origin, expectedPath, endpoint, number);
        const key = new URL(target, transport.baseUrl + '/').href;
        if (visited.has(key)) {
          throw new EvalAIError('unsafe-pagination', endpoint, `page ${number}'s "next" leads back to a page already read; stopped`);
        }
        visited.add(key);
        pending = fetchPage(target);
      } catch (err) {
        if (!(err instanceof EvalAIError)) throw err;
        stop = err;
      }
    }
    yield { number, count: page.count, results: page.results };
    if (page.next === null) return;
    if (stop) throw stop;
  }
}

function checkedNext(next: string, origin: string, expectedPath: string, endpoint: string, number: number): string {
  let url: URL;
  try {
    url = new URL(next);
  } catch {
    throw new EvalAIError('malformed-response', endpoint, `page ${number}'s "next" is not an absolute URL`);
  }
  if (url.origin !== origin) {
    throw new EvalAIError(
      'unsafe-pagination',
      endpoint,
      `page ${number}'s "next" points to ${url.origin}, not ${origin}; not followed, so the token is not sent there ` +
        '(behind a proxy, forward the Host header and X-Forwarded-Proto)',
    );
  }
  if (url.pathname !== expectedPath) {
    throw new EvalAIError('unsafe-pagination', endpoint, `page ${number}'s "next" leaves the challenge list (${url.pathname}); not followed`);
  }
  return url.href;
}
