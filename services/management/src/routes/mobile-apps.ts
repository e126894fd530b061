/**
 * Graph `deviceAppManagement/mobileApps` on v1.0 and beta: win32LobApp and windowsMobileMSI,
 * their assignments (`assign`, `assignments`), and what devices report (`deviceStatuses`,
 * `installSummary`). Devices pick up assignment changes at their next session.
 */
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ROLES } from '@baton/contracts';
import { graphErrorHandler, refuseFilter } from '@baton/kit';
import type { FastifyInstance } from 'fastify';
import { graphErrorCode } from '../apps/csp.js';
import { appErrors, checkWin32Complete, parseAppInput, productCodeOf, toGraphApp, type GraphVersion, type MobileApp } from '../apps/mobile-app.js';
import type { AppInstall, StoredAppAssignment } from '../apps/store.js';
import { parseTarget } from '../targeting/targets.js';
import type { ManagementDeps } from '../deps.js';
import { AnyObject, assignmentRoutes, IdParams } from './graph-assignments.js';
import { graphTenantOf, ownedById } from './graph-caller.js';

const READ = [ROLES.appsReadWrite, 'DeviceManagementApps.Read.All'];
const WRITE = [ROLES.appsReadWrite];
const VERSIONS: GraphVersion[] = ['v1.0', 'beta'];
const INTENTS = new Set(['available', 'required', 'uninstall', 'availableWithoutEnrollment']);


function graphAssignment(a: StoredAppAssignment): Record<string, unknown> {
  return { '@odata.type': '#microsoft.graph.mobileAppAssignment', id: a.id, intent: a.intent, target: a.target, settings: a.settings };
}

function parseAssignment(appId: string, raw: Record<string, unknown>): StoredAppAssignment {
  if (typeof raw.intent !== 'string' || !INTENTS.has(raw.intent)) throw appErrors.invalid(`'intent' must be one of ${[...INTENTS].join(', ')}.`);
  const settings = raw.settings === undefined || raw.settings === null ? null : raw.settings;
  if (settings !== null && (typeof settings !== 'object' || Array.isArray(settings) || JSON.stringify(settings).length > 4096)) throw appErrors.invalid("'settings' must be an object.");
  return { id: randomUUID(), appId, intent: raw.intent, target: parseTarget(raw.target) as unknown as Record<string, unknown>, settings: settings as Record<string, unknown> | null };
}

export async function mobileAppRoutes(instance: FastifyInstance, deps: ManagementDeps): Promise<void> {
  instance.setErrorHandler(graphErrorHandler);
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const store = deps.appsStore;

  const tenantOf = graphTenantOf(deps.graphTokens);
  const ownApp = (tenantId: string, id: string): Promise<MobileApp> => ownedById(id, (key) => store.getApp(tenantId, key), appErrors.notFound);

  for (const v of VERSIONS) {
    const base = `/graph/${v}/deviceAppManagement/mobileApps`;
    const context = (entity: string) => `${deps.urls.management}/graph/${v}/$metadata#${entity}`;
    const assignedIds = async (tenantId: string) => new Set((await store.listAppAssignments(tenantId)).map((a) => a.appId));

    app.get(base, { preValidation: refuseFilter }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      const [apps, assigned] = await Promise.all([store.listApps(tenantId), assignedIds(tenantId)]);
      return { '@odata.context': context('deviceAppManagement/mobileApps'), value: apps.map((a) => toGraphApp(a, v, { isAssigned: assigned.has(a.id) })) };
    });

    app.post(base, { schema: { body: AnyObject } }, async (request, reply) => {
      const tenantId = await tenantOf(request, WRITE);
      const input = parseAppInput(request.body, 'create');
      if (input.type === 'win32LobApp') checkWin32Complete(input.properties);
      const at = new Date().toISOString();
      const id = randomUUID();
      const created: MobileApp = {
        id,
        tenantId,
        type: input.type,
        displayName: input.properties.displayName as string,
        productCode: productCodeOf(input.type, id, input.properties),
        properties: input.properties,
        createdAt: at,
        modifiedAt: at,
      };
      await store.insertApp(created);
      return reply.code(201).send({ '@odata.context': context('deviceAppManagement/mobileApps/$entity'), ...toGraphApp(created, v) });
    });

    app.get(`${base}/:id`, { schema: { params: IdParams } }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      const found = await ownApp(tenantId, request.params.id);
      return { '@odata.context': context('deviceAppManagement/mobileApps/$entity'), ...toGraphApp(found, v, { isAssigned: (await assignedIds(tenantId)).has(found.id) }) };
    });

    app.patch(`${base}/:id`, { schema: { params: IdParams, body: AnyObject } }, async (request, reply) => {
      const tenantId = await tenantOf(request, WRITE);
      const found = await ownApp(tenantId, request.params.id);
      const input = parseAppInput(request.body, 'update', found.type);
      const properties = { ...found.properties, ...input.properties };
      if (found.type === 'win32LobApp') checkWin32Complete(properties);
      // The product code names the app's node on devices that have it: it cannot move.
      if (productCodeOf(found.type, found.id, properties) !== found.productCode) throw appErrors.invalid("The app's product code cannot change; create a new app instead.");
      await store.updateApp({ ...found, properties, displayName: (properties.displayName as string) ?? found.displayName, modifiedAt: new Date().toISOString() });
      return reply.code(204).send();
    });

    app.delete(`${base}/:id`, { schema: { params: IdParams } }, async (request, reply) => {
      const tenantId = await tenantOf(request, WRITE);
      const found = await ownApp(tenantId, request.params.id);
      await store.deleteApp(tenantId, found.id);
      return reply.code(204).send();
    });

    assignmentRoutes<StoredAppAssignment>(instance, {
      base,
      entitySet: 'deviceAppManagement/mobileApps',
      assignProperty: 'mobileAppAssignments',
      ownerNoun: 'An app',
      read: READ,
      write: WRITE,
      tenantOf,
      context,
      owner: ownApp,
      parse: parseAssignment,
      toGraph: graphAssignment,
      notFound: appErrors.notFound,
      invalid: appErrors.invalid,
      list: (tenantId, appId) => store.listAppAssignments(tenantId, appId),
      replace: (tenantId, appId, assignments) => store.transaction((tx) => tx.replaceAppAssignments(tenantId, appId, assignments)),
      add: (tenantId, assignment) => store.addAppAssignment(tenantId, assignment),
      remove: (appId, assignmentId) => store.deleteAppAssignment(appId, assignmentId),
    });

    app.get(`${base}/:id/deviceStatuses`, { preValidation: refuseFilter, schema: { params: IdParams } }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      const found = await ownApp(tenantId, request.params.id);
      const installs = await store.installsOfApp(tenantId, found.id);
      return {
        '@odata.context': context(`deviceAppManagement/mobileApps('${found.id}')/deviceStatuses`),
        value: installs.map((i) => ({
          id: `${i.enrollmentId}_${found.id}`,
          deviceName: i.device.name,
          deviceId: i.enrollmentId,
          lastSyncDateTime: i.updatedAt,
          // The stored states are Graph's resultantAppState members.
          mobileAppInstallStatusValue: i.state,
          installState: i.state,
          installStateDetail: i.state === 'failed' ? 'seeInstallErrorCode' : i.state === 'uninstallFailed' ? 'seeUninstallErrorCode' : 'noAdditionalDetails',
          errorCode: graphErrorCode(i.errorCode),
          osVersion: i.device.osVersion,
          osDescription: null,
          userName: i.userId ? i.device.upn : null,
          userPrincipalName: i.userId ? i.device.upn : null,
          displayVersion: null,
        })),
      };
    });

    app.get(`${base}/:id/installSummary`, { schema: { params: IdParams } }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      const found = await ownApp(tenantId, request.params.id);
      const installs = await store.installsOfApp(tenantId, found.id);
      const count = (state: AppInstall['state'], user: boolean) => installs.filter((i) => i.state === state && (user ? i.userId !== null : true)).length;
      return {
        '@odata.context': context(`deviceAppManagement/mobileApps('${found.id}')/installSummary/$entity`),
        id: found.id,
        installedDeviceCount: count('installed', false),
        failedDeviceCount: count('failed', false) + count('uninstallFailed', false),
        notApplicableDeviceCount: 0,
        notInstalledDeviceCount: count('notInstalled', false),
        pendingInstallDeviceCount: count('pendingInstall', false),
        installedUserCount: count('installed', true),
        failedUserCount: count('failed', true) + count('uninstallFailed', true),
        notApplicableUserCount: 0,
        notInstalledUserCount: count('notInstalled', true),
        pendingInstallUserCount: count('pendingInstall', true),
      };
    });
  }
}
