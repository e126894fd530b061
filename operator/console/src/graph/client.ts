/**
 * The console's only way to read and write: the services' Graph-shaped APIs on the
 * console's own origin, with the signed-in administrator's access token.
 */
import { graphErrorOf } from './errors.js';
import { sameOriginUrl } from './links.js';

export interface Page<T> {
  value: T[];
  nextLink?: string;
}

export interface Graph {
  /** `headers` for the few reads that name the client (Graph's optional ocp-client-name). */
  get<T>(path: string, headers?: HeadersInit): Promise<T>;
  /** One page of a collection; pass the previous page's nextLink to read the next. */
  page<T>(pathOrNextLink: string): Promise<Page<T>>;
  /** Every page of a collection, up to `max` items. */
  all<T>(path: string, max?: number): Promise<T[]>;
  /** A `$count` segment's number. */
  count(path: string): Promise<number>;
  post<T = unknown>(path: string, body?: unknown, contentType?: string): Promise<T | undefined>;
  delete(path: string): Promise<void>;
}

export function createGraph(token: () => Promise<string>, origin: string): Graph {
  const send = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const url = sameOriginUrl(path, origin);
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${await token()}`);
    if (!headers.has('accept')) headers.set('accept', 'application/json');
    const response = await fetch(url, { ...init, headers });
    if (!response.ok) throw graphErrorOf(response.status, await response.text());
    return response;
  };
  const graph: Graph = {
    async get<T>(path: string, headers?: HeadersInit) {
      return (await (await send(path, headers ? { headers } : {})).json()) as T;
    },
    async page<T>(pathOrNextLink: string) {
      const body = (await graph.get<{ value: T[]; '@odata.nextLink'?: string }>(pathOrNextLink)) ?? { value: [] };
      return { value: body.value ?? [], nextLink: body['@odata.nextLink'] };
    },
    async all<T>(path: string, max = 5000) {
      const items: T[] = [];
      let next: string | undefined = path;
      while (next && items.length < max) {
        const page: Page<T> = await graph.page<T>(next);
        items.push(...page.value);
        next = page.nextLink;
      }
      return items;
    },
    async count(path: string) {
      const text = await (await send(path, { headers: { accept: 'text/plain', ConsistencyLevel: 'eventual' } })).text();
      return Number(text.trim());
    },
    async post<T>(path: string, body?: unknown, contentType = 'application/json') {
      const payload = body === undefined ? undefined : contentType === 'application/json' ? JSON.stringify(body) : (body as BodyInit);
      const response = await send(path, { method: 'POST', body: payload, headers: payload === undefined ? {} : { 'content-type': contentType } });
      const text = await response.text();
      return text ? (JSON.parse(text) as T) : undefined;
    },
    async delete(path: string) {
      await (await send(path, { method: 'DELETE' })).arrayBuffer();
    },
  };
  return graph;
}

export { PATHS } from './paths.js';
