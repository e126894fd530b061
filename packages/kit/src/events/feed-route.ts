/**
 * `GET <path>?deviceId=…&ztdId=…&managedDeviceId=…&serialNumber=…&traceId=…&since=…&$top=…`:
 * a service's event feed, newest first, paged by keyset (`@odata.nextLink`), errors in the
 * Graph envelope. The caller's tenant comes from `authorize`, which each service writes
 * with its own token verification.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { graphErrorHandler } from '../http/create-app.js';
import { graphErrors } from '../http/graph-error.js';
import type { EventFeedStore, FeedCursor, FeedEvent, FeedQuery } from './feed-store.js';

export interface FeedReader {
  tenantId: string;
  /** Baton's own services also read events that belong to no tenant. */
  includeTenantless: boolean;
}

export interface EventFeedRouteOptions {
  path: string;
  service: string;
  store: EventFeedStore;
  authorize(request: FastifyRequest): Promise<FeedReader>;
  /** The service's public base URL, for nextLink. */
  publicUrl(): string;
}

const DEFAULT_TOP = 100;
const MAX_TOP = 1000;
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TRACE_ID_RE = /^[0-9a-f]{32}$/i;
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const QuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    deviceId: { type: 'string', maxLength: 64 },
    ztdId: { type: 'string', maxLength: 64 },
    managedDeviceId: { type: 'string', maxLength: 64 },
    serialNumber: { type: 'string', maxLength: 256 },
    traceId: { type: 'string', maxLength: 64 },
    since: { type: 'string', maxLength: 64 },
    $top: { type: 'string', maxLength: 10 },
    $skiptoken: { type: 'string', maxLength: 200 },
  },
} as const;

type RawQuery = Partial<Record<keyof (typeof QuerySchema)['properties'], string>>;

export function encodeFeedCursor(cursor: FeedCursor): string {
  return Buffer.from(JSON.stringify([cursor.occurredDateTime, cursor.id])).toString('base64url');
}

export function decodeFeedCursor(token: string): FeedCursor {
  try {
    const raw: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(raw) && raw.length === 2 && typeof raw[0] === 'string' && typeof raw[1] === 'string' && raw[0].length <= 40 && raw[1].length <= 40) {
      return { occurredDateTime: raw[0], id: raw[1] };
    }
  } catch {
    // falls through to the refusal below
  }
  throw graphErrors.badRequest('$skiptoken is not one this feed issued.');
}

const guid = (name: string, value: string) => {
  if (!GUID_RE.test(value)) throw graphErrors.badRequest(`${name} must be a GUID.`);
  return value.toLowerCase();
};

/** The feed query from the query string; anything malformed is a 400, never a full scan by accident. */
export function readFeedQuery(q: RawQuery, reader: FeedReader): FeedQuery {
  const query: FeedQuery = { tenantId: reader.tenantId.toLowerCase(), includeTenantless: reader.includeTenantless, limit: DEFAULT_TOP };
  if (q.deviceId !== undefined) query.azureADDeviceId = guid('deviceId', q.deviceId);
  if (q.ztdId !== undefined) query.ztdId = guid('ztdId', q.ztdId);
  if (q.managedDeviceId !== undefined) query.managedDeviceId = guid('managedDeviceId', q.managedDeviceId);
  if (q.serialNumber !== undefined) {
    if (q.serialNumber.trim() === '') throw graphErrors.badRequest('serialNumber must be 1 to 256 characters.');
    query.serialNumber = q.serialNumber.trim();
  }
  if (q.traceId !== undefined) {
    if (!TRACE_ID_RE.test(q.traceId)) throw graphErrors.badRequest('traceId must be 32 hexadecimal digits.');
    query.traceId = q.traceId.toLowerCase();
  }
  if (q.since !== undefined) {
    const at = ISO_RE.test(q.since) ? Date.parse(q.since) : NaN;
    if (Number.isNaN(at)) throw graphErrors.badRequest('since must be an ISO 8601 date and time with an offset.');
    query.since = new Date(at).toISOString();
  }
  if (q.$top !== undefined) {
    const top = /^\d{1,9}$/.test(q.$top) ? Number(q.$top) : NaN;
    if (!(top >= 1)) throw graphErrors.badRequest('$top must be a positive integer.');
    query.limit = Math.min(top, MAX_TOP);
  }
  if (q.$skiptoken !== undefined) query.after = decodeFeedCursor(q.$skiptoken);
  return query;
}

/** The wire shape (contracts' ChainEvent). The tenant is the reader's own, so it is not repeated. */
export function renderFeedEvent(service: string, event: FeedEvent): Record<string, unknown> {
  const { tenantId: _tenantId, ...rest } = event;
  return { ...rest, service };
}

export const eventFeedRoutes: FastifyPluginAsync<EventFeedRouteOptions> = async (app, options) => {
  app.setErrorHandler(graphErrorHandler);
  app.get(options.path, { schema: { querystring: QuerySchema } }, async (request) => {
    const reader = await options.authorize(request);
    const raw = request.query as RawQuery;
    const page = await options.store.list(readFeedQuery(raw, reader));
    const body: Record<string, unknown> = { value: page.items.map((e) => renderFeedEvent(options.service, e)) };
    if (page.next) {
      const url = new URL(request.url, 'https://placeholder.invalid');
      url.searchParams.set('$skiptoken', encodeFeedCursor(page.next));
      body['@odata.nextLink'] = `${options.publicUrl()}${url.pathname}${url.search}`;
    }
    return body;
  });
};
