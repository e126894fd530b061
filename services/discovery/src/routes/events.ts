/**
 * `GET /ztd/v1/events`: discovery's own event feed. Graph's autopilotEvents is management's
 * deployment report, so this is not Graph-shaped beyond the collection envelope and the
 * Graph error envelope.
 *
 * An admin token (DeviceManagementServiceConfig.ReadWrite.All) reads its own tenant's events.
 * Lookups of a hash no tenant registered have no tenant; only an app token of one of Baton's
 * own services reads those, alongside its token's tenant.
 */
import { ROLES, SERVICE_APP_IDS } from '@baton/contracts';
import { requireRole } from '@baton/kit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { renderEvent } from '../domain/events.js';
import { discoveryErrors } from '../errors.js';
import type { EventCursor, EventQuery } from '../store/types.js';
import type { DiscoveryPluginOptions } from './context.js';
import { rawQuery, requestOrigin } from './odata.js';

export const EVENTS_PATH = '/ztd/v1/events';
const DEFAULT_TOP = 100;
const MAX_TOP = 1000;
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TRACE_ID_RE = /^[0-9a-f]{32}$/i;
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const SERVICE_APPS = new Set<string>(Object.values(SERVICE_APP_IDS));
const KNOWN_OPTIONS = new Set(['deviceId', 'ztdId', 'serialNumber', 'traceId', 'since', '$top', '$skiptoken']);

function encodeCursor(cursor: EventCursor): string {
  return Buffer.from(JSON.stringify([cursor.occurredDateTime, cursor.id])).toString('base64url');
}

function decodeCursor(token: string): EventCursor {
  try {
    const raw: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(raw) && raw.length === 2 && typeof raw[0] === 'string' && typeof raw[1] === 'string' && raw[0].length <= 40 && raw[1].length <= 40) {
      return { occurredDateTime: raw[0], id: raw[1] };
    }
  } catch {
    // falls through to the refusal below
  }
  throw discoveryErrors.badRequest('$skiptoken is not one this feed issued.');
}

function readQuery(request: FastifyRequest, tenantId: string, includeTenantless: boolean): EventQuery {
  const q = rawQuery(request);
  for (const name of Object.keys(q)) {
    if (!KNOWN_OPTIONS.has(name)) throw discoveryErrors.badRequest(`Query option '${name}' is not supported here.`);
  }
  const query: EventQuery = { tenantId, includeTenantless, limit: DEFAULT_TOP };
  if (q.deviceId !== undefined) {
    if (!GUID_RE.test(q.deviceId)) throw discoveryErrors.badRequest('deviceId must be a GUID.');
    query.azureADDeviceId = q.deviceId.toLowerCase();
  }
  if (q.ztdId !== undefined) {
    if (!GUID_RE.test(q.ztdId)) throw discoveryErrors.badRequest('ztdId must be a GUID.');
    query.ztdId = q.ztdId.toLowerCase();
  }
  if (q.serialNumber !== undefined) {
    if (q.serialNumber.trim() === '' || q.serialNumber.length > 256) throw discoveryErrors.badRequest('serialNumber must be 1 to 256 characters.');
    query.serialNumber = q.serialNumber.trim();
  }
  if (q.traceId !== undefined) {
    if (!TRACE_ID_RE.test(q.traceId)) throw discoveryErrors.badRequest('traceId must be 32 hexadecimal digits.');
    query.traceId = q.traceId.toLowerCase();
  }
  if (q.since !== undefined) {
    const at = ISO_RE.test(q.since) ? Date.parse(q.since) : NaN;
    if (Number.isNaN(at)) throw discoveryErrors.badRequest('since must be an ISO 8601 date and time with an offset.');
    query.since = new Date(at).toISOString();
  }
  if (q.$top !== undefined) {
    const top = /^\d{1,9}$/.test(q.$top) ? Number(q.$top) : NaN;
    if (!(top >= 1)) throw discoveryErrors.badRequest('$top must be a positive integer.');
    query.limit = Math.min(top, MAX_TOP);
  }
  if (q.$skiptoken !== undefined) query.after = decodeCursor(q.$skiptoken);
  return query;
}

export const eventRoutes: FastifyPluginAsync<DiscoveryPluginOptions> = async (app, options) => {
  app.get(EVENTS_PATH, async (request) => {
    const claims = await options.verifier.verifyHeader(request.headers.authorization);
    const service = typeof claims.azp === 'string' && SERVICE_APPS.has(claims.azp) && claims.idtyp !== 'user';
    if (!service) requireRole(claims, [ROLES.autopilotReadWrite]);
    const query = readQuery(request, claims.tid.toLowerCase(), service);
    const page = await options.deps.store.listEvents(query);
    const body: Record<string, unknown> = { value: page.items.map(renderEvent) };
    if (page.next) {
      const url = new URL(request.url, 'https://placeholder.invalid');
      url.searchParams.delete('$skiptoken');
      url.searchParams.set('$skiptoken', encodeCursor(page.next));
      body['@odata.nextLink'] = `${requestOrigin(request, options.publicUrl)}${url.pathname}${url.search}`;
    }
    return body;
  });
};
