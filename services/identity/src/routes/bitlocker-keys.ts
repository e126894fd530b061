/**
 * Graph's `informationProtection/bitlocker/recoveryKeys`: what a helpdesk opens when a user
 * sits at the BitLocker recovery screen. The list and a plain get need BitlockerKey.ReadBasic.All
 * (or Read.All) and never carry the key; `$select=key` on one key needs BitlockerKey.Read.All
 * and is recorded in identity's event feed before the key is opened, as Entra audits it under
 * KeyManagement. Graph's `ocp-client-name` / `ocp-client-version` headers are documented as
 * optional (debugging aids), so their absence changes nothing here either.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ROLES } from '@baton/contracts';
import { feedEventId, graphErrors, requireRole, traceIdOfHeaders } from '@baton/kit';
import { BITLOCKER_KEY_ID_RE, deviceIdFilter, graphRecoveryKey } from '../domain/bitlocker-keys.js';
import type { IdentityDeps } from '../domain/deps.js';
import { GRAPH_VERSIONS, type GraphVersion } from '../domain/urls.js';
import type { IdentityEvents } from '../events/feed.js';
import type { AccessOf } from './groups.js';

const METADATA_READ = [ROLES.bitLockerKeyReadBasic, ROLES.bitLockerKeyRead];
const KEY_READ = [ROLES.bitLockerKeyRead];
const MAX_TOP = 999;
const DEFAULT_TOP = 100;

const ListQuery = Type.Object(
  {
    $filter: Type.Optional(Type.String({ maxLength: 200 })),
    $top: Type.Optional(Type.String({ maxLength: 10 })),
    $skiptoken: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: true },
);
const GetQuery = Type.Object({ $select: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: true });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const selected = (select: string | undefined) => new Set((select ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));

export function registerBitLockerKeyRoutes(instance: FastifyInstance, deps: IdentityDeps, accessOf: AccessOf, events: IdentityEvents): void {
  for (const version of GRAPH_VERSIONS) registerVersion(instance, deps, accessOf, events, version);
}

function registerVersion(instance: FastifyInstance, deps: IdentityDeps, accessOf: AccessOf, events: IdentityEvents, version: GraphVersion): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const base = `/graph/${version}/informationProtection/bitlocker/recoveryKeys`;
  const context = (entity: string) => deps.urls.graph(`$metadata#${entity}`, version);

  app.get(base, { schema: { querystring: ListQuery } }, async (request) => {
    const { tenant, claims } = accessOf(request);
    requireRole(claims, METADATA_READ);
    const q = request.query;
    const deviceId = deviceIdFilter(q.$filter);
    if (deviceId === null) throw graphErrors.badRequest("Only $filter=deviceId eq '{deviceId}' is supported on recovery keys.");
    const top = q.$top === undefined ? DEFAULT_TOP : Number(q.$top);
    if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) throw graphErrors.badRequest(`$top must be an integer from 1 to ${MAX_TOP}.`);
    if (q.$skiptoken !== undefined && !BITLOCKER_KEY_ID_RE.test(q.$skiptoken)) throw graphErrors.badRequest('The $skiptoken is not valid.');
    const rows = await deps.bitLockerKeys.list(tenant.id, {
      ...(deviceId ? { deviceId } : {}),
      ...(q.$skiptoken ? { afterId: q.$skiptoken.toLowerCase() } : {}),
      limit: top + 1,
    });
    const page = rows.slice(0, top);
    // The list never carries the key, whatever $select asks for.
    const body: Record<string, unknown> = { '@odata.context': context('informationProtection/bitlocker/recoveryKeys'), value: page.map((r) => graphRecoveryKey(r)) };
    if (rows.length > top) {
      const next = new URLSearchParams();
      if (q.$filter) next.set('$filter', q.$filter);
      if (q.$top) next.set('$top', q.$top);
      next.set('$skiptoken', page.at(-1)!.id);
      body['@odata.nextLink'] = deps.urls.graph(`informationProtection/bitlocker/recoveryKeys?${next.toString()}`, version);
    }
    return body;
  });

  app.get(`${base}/:id`, { schema: { params: IdParams, querystring: GetQuery } }, async (request: FastifyRequest<{ Params: { id: string }; Querystring: { $select?: string } }>) => {
    const { tenant, claims } = accessOf(request);
    requireRole(claims, METADATA_READ);
    const wantsKey = selected(request.query.$select).has('key');
    if (wantsKey) requireRole(claims, KEY_READ);
    const id = request.params.id.toLowerCase();
    // Another tenant's key id is simply not found, as any id this tenant does not hold.
    const record = BITLOCKER_KEY_ID_RE.test(id) ? await deps.bitLockerKeys.find(tenant.id, id) : undefined;
    if (!record) throw graphErrors.notFound(`BitLocker recovery key '${request.params.id.slice(0, 64)}' was not found.`);
    let key: string | undefined;
    if (wantsKey) {
      // Audited before it is disclosed: a read whose record cannot be written fails.
      const at = deps.now();
      await events.store.append([
        {
          id: feedEventId(at.getTime()),
          occurredDateTime: at.toISOString(),
          type: 'bitLockerKeyRead',
          phase: 'keyManagement',
          outcome: 'success',
          tenantId: tenant.id,
          traceId: traceIdOfHeaders(request.headers),
          ztdId: null,
          azureADDeviceId: record.deviceId,
          managedDeviceId: null,
          serialNumber: null,
          userPrincipalName: typeof claims.upn === 'string' ? claims.upn : null,
          errorCode: null,
          detail: {
            keyId: record.id,
            callerObjectId: claims.oid ?? null,
            callerAppId: claims.azp ?? claims.appid ?? null,
            clientName: typeof request.headers['ocp-client-name'] === 'string' ? request.headers['ocp-client-name'].slice(0, 128) : null,
          },
        },
      ]);
      key = deps.secrets.openText(record.sealedKey);
    }
    return { '@odata.context': context('informationProtection/bitlocker/recoveryKeys/$entity'), ...graphRecoveryKey(record, key) };
  });
}
