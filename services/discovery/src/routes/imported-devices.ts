import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { importDevice, importDevices } from '../domain/registration.js';
import { discoveryErrors } from '../errors.js';
import { graphAuth, metadataContext, tenantOf, traceOf, type GraphRouteOptions } from './context.js';
import { collectionBody, contextWithSelect, countAnswer, pageAndCount, readCollectionQuery, readEntityQuery, selectWithExpansions, type CollectionSpec } from './odata.js';
import { IMPORTED_PROPERTY_NAMES, renderImported } from './shapes.js';

const NullableText = (maxLength: number) => Type.Optional(Type.Union([Type.String({ maxLength }), Type.Null()]));

/** A 4K hash is about 4,000 bytes; room for larger ones, none for abuse. */
const MAX_HASH_CHARS = 16_384;

const ImportedIdentityBody = Type.Object(
  {
    serialNumber: NullableText(256),
    productKey: NullableText(256),
    hardwareIdentifier: NullableText(MAX_HASH_CHARS),
    groupTag: NullableText(256),
    assignedUserPrincipalName: NullableText(320),
    importId: NullableText(256),
    state: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
  },
  { additionalProperties: true },
);
type ImportedIdentityBody = Static<typeof ImportedIdentityBody>;

const ImportActionBody = Type.Object(
  { importedWindowsAutopilotDeviceIdentities: Type.Array(ImportedIdentityBody, { minItems: 1, maxItems: 500 }) },
  { additionalProperties: true },
);

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const SET = 'deviceManagement/importedWindowsAutopilotDeviceIdentities';
const COLLECTION: CollectionSpec = { set: SET, select: IMPORTED_PROPERTY_NAMES, orderby: ['serialNumber', 'groupTag', 'importId', 'state/deviceImportStatus'] };

export const importedDeviceRoutes: FastifyPluginAsync<GraphRouteOptions> = async (app, options) => {
  const { deps, publicUrl, version } = options;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.addHook('preHandler', graphAuth(options.verifier));
  const render = (row: Parameters<typeof renderImported>[0]) => renderImported(row, deps.box);
  const entityContext = metadataContext(publicUrl, version, `${SET}/$entity`);

  r.post('/deviceManagement/importedWindowsAutopilotDeviceIdentities', { schema: { body: ImportedIdentityBody } }, async (request, reply) => {
    const imported = await importDevice(deps, tenantOf(request), request.body, traceOf(request));
    reply.code(201);
    return { '@odata.context': entityContext, ...render(imported) };
  });

  r.post(
    '/deviceManagement/importedWindowsAutopilotDeviceIdentities/import',
    { schema: { body: ImportActionBody }, bodyLimit: 8 * 1024 * 1024 },
    async (request) => {
      // Every row is judged before any is written; refused rows leave the others intact.
      const imported = await importDevices(deps, tenantOf(request), request.body.importedWindowsAutopilotDeviceIdentities as ImportedIdentityBody[], {
        traceParent: traceOf(request),
      });
      const results = imported.map(render);
      return { '@odata.context': metadataContext(publicUrl, version, `Collection(microsoft.graph.importedWindowsAutopilotDeviceIdentity)`), value: results };
    },
  );

  const ctx = { publicUrl, version, spec: COLLECTION };

  r.get('/deviceManagement/importedWindowsAutopilotDeviceIdentities', async (request) => {
    const tenantId = tenantOf(request);
    const parsed = readCollectionQuery(request, COLLECTION);
    const [page, count] = await pageAndCount(
      parsed,
      (query) => deps.store.listImported(tenantId, query),
      (filter) => deps.store.countImported(tenantId, filter),
    );
    return collectionBody(request, ctx, parsed, page, render, count);
  });

  r.get('/deviceManagement/importedWindowsAutopilotDeviceIdentities/$count', (request, reply) =>
    countAnswer(request, reply, (filter) => deps.store.countImported(tenantOf(request), filter)),
  );

  r.get('/deviceManagement/importedWindowsAutopilotDeviceIdentities/:id', { schema: { params: IdParams } }, async (request) => {
    const { select } = readEntityQuery(request, COLLECTION);
    const imported = await deps.store.getImported(tenantOf(request), request.params.id);
    if (!imported) throw discoveryErrors.itemNotFound('importedWindowsAutopilotDeviceIdentity', request.params.id);
    return { '@odata.context': contextWithSelect(ctx, SET, select).concat('/$entity'), ...selectWithExpansions(render(imported), select, undefined) };
  });

  r.delete('/deviceManagement/importedWindowsAutopilotDeviceIdentities/:id', { schema: { params: IdParams } }, async (request, reply) => {
    if (!(await deps.store.deleteImported(tenantOf(request), request.params.id))) {
      throw discoveryErrors.itemNotFound('importedWindowsAutopilotDeviceIdentity', request.params.id);
    }
    reply.code(204);
  });
};
