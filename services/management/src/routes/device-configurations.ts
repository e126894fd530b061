/**
 * Graph `deviceManagement/deviceConfigurations` on v1.0 and beta: profiles (custom OMA-URI and
 * Baton's baseline templates), assignments and the `assign` action, the per-profile device
 * statuses and overview, and `managedDevices/{id}/deviceConfigurationStates` with per-setting
 * states. Every change to a profile or its assignments plans the tenant's devices again, so
 * what they lack is queued before the answer goes out.
 */
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ROLES } from '@baton/contracts';
import { graphErrorHandler, refuseFilter, requireRole } from '@baton/kit';
import type { FastifyInstance } from 'fastify';
import type { ManagementDeps } from '../deps.js';
import { AnyObject, assignmentRoutes, IdParams, policyAssignments } from './graph-assignments.js';
import { graphTenantOf, isGuid, ownedById } from './graph-caller.js';
import { graphErrorsManagement } from '../errors.js';
import { policyStatus, type PolicyState, type SettingState } from '../configuration/plan.js';
import { parseConfigurationInput, toGraphConfiguration, type ConfigurationPolicy, type GraphVersion } from '../configuration/policy.js';
import { configurationErrors } from '../configuration/setting.js';

const READ = [ROLES.configurationReadWrite, 'DeviceManagementConfiguration.Read.All'];
const WRITE = [ROLES.configurationReadWrite];
const DEVICE_READ = [ROLES.managedDevicesReadWrite, 'DeviceManagementManagedDevices.Read.All'];
const VERSIONS: GraphVersion[] = ['v1.0', 'beta'];
const NEVER = '9999-12-31T23:59:59Z';


/** Baton's setting states in Graph's complianceStatus spelling. */
const GRAPH_STATE: Record<SettingState['state'], string> = { pending: 'unknown', succeeded: 'compliant', error: 'error', conflict: 'conflict' };

function describeError(s: SettingState, names: ReadonlyMap<string, string>): string | null {
  if (s.state === 'conflict') return `Conflicts with ${(s.conflictsWith ?? []).map((id) => `'${names.get(id) ?? id}'`).join(', ')}, which set this node to another value; neither value is sent.`;
  if (s.state !== 'error') return null;
  if (s.errorCode === 216) return 'Rolled back: another setting of the profile failed, and its settings are applied together or not at all.';
  return `The device's configuration service provider answered ${s.errorCode}.`;
}

function settingStates(policy: Pick<ConfigurationPolicy, 'id' | 'displayName'>, state: PolicyState, names: ReadonlyMap<string, string>): Array<Record<string, unknown>> {
  return state.settings.map((s) => ({
    setting: s.omaUri,
    settingName: s.settingName,
    instanceDisplayName: null,
    state: GRAPH_STATE[s.state],
    errorCode: s.errorCode ?? 0,
    errorDescription: describeError(s, names),
    userId: null,
    userName: null,
    userEmail: null,
    userPrincipalName: null,
    sources: [policy, ...(s.conflictsWith ?? []).map((id) => ({ id, displayName: names.get(id) ?? null }))].map((p) => ({ id: p.id, displayName: p.displayName, sourceType: 'deviceConfiguration' })),
    currentValue: s.currentValue ?? null,
  }));
}

export async function deviceConfigurationRoutes(instance: FastifyInstance, deps: ManagementDeps): Promise<void> {
  instance.setErrorHandler(graphErrorHandler);
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const store = deps.configurationStore;

  const tenantOf = graphTenantOf(deps.graphTokens);
  const ownPolicy = (tenantId: string, id: string): Promise<ConfigurationPolicy> => ownedById(id, (key) => store.getPolicy(tenantId, key), configurationErrors.notFound);
  /** The profile or its targets changed: devices are planned again before the answer goes out. */
  const replan = async (tenantId: string, assignmentsChanged = false) => {
    const run = assignmentsChanged ? deps.configuration.assignmentsChanged(tenantId) : deps.configuration.fanOut(tenantId);
    await run.catch((error: unknown) => deps.logger.warn({ tenantId, err: String(error) }, 'configuration fan-out failed'));
  };
  const namesOf = async (tenantId: string) => new Map((await store.listPolicies(tenantId)).map((p) => [p.id, p.displayName]));

  for (const v of VERSIONS) {
    const base = `/graph/${v}/deviceManagement/deviceConfigurations`;
    const context = (entity: string) => `${deps.urls.management}/graph/${v}/$metadata#${entity}`;

    app.get(base, { preValidation: refuseFilter }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      const policies = await store.listPolicies(tenantId);
      return { '@odata.context': context('deviceManagement/deviceConfigurations'), value: policies.map((p) => toGraphConfiguration(p, v)) };
    });

    app.post(base, { schema: { body: AnyObject } }, async (request, reply) => {
      const tenantId = await tenantOf(request, WRITE);
      const input = parseConfigurationInput(request.body, 'create');
      const at = new Date().toISOString();
      const policy: ConfigurationPolicy = {
        id: randomUUID(),
        tenantId,
        odataType: input.odataType!,
        displayName: input.displayName!,
        description: input.description ?? null,
        properties: input.properties,
        version: 1,
        createdAt: at,
        modifiedAt: at,
      };
      await store.insertPolicy(policy);
      return reply.code(201).send({ '@odata.context': context('deviceManagement/deviceConfigurations/$entity'), ...toGraphConfiguration(policy, v) });
    });

    app.get(`${base}/:id`, { schema: { params: IdParams } }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      const policy = await ownPolicy(tenantId, request.params.id);
      return { '@odata.context': context('deviceManagement/deviceConfigurations/$entity'), ...toGraphConfiguration(policy, v) };
    });

    app.patch(`${base}/:id`, { schema: { params: IdParams, body: AnyObject } }, async (request, reply) => {
      const tenantId = await tenantOf(request, WRITE);
      const policy = await ownPolicy(tenantId, request.params.id);
      const input = parseConfigurationInput(request.body, 'update', policy.odataType);
      await store.updatePolicy({
        ...policy,
        displayName: input.displayName ?? policy.displayName,
        description: input.description === undefined ? policy.description : input.description,
        properties: { ...policy.properties, ...input.properties },
        version: policy.version + 1,
        modifiedAt: new Date().toISOString(),
      });
      await replan(tenantId);
      return reply.code(204).send();
    });

    app.delete(`${base}/:id`, { schema: { params: IdParams } }, async (request, reply) => {
      const tenantId = await tenantOf(request, WRITE);
      const policy = await ownPolicy(tenantId, request.params.id);
      await store.deletePolicy(tenantId, policy.id);
      // Settings the profile conflicted on may now go out from the other profile.
      await replan(tenantId);
      return reply.code(204).send();
    });

    assignmentRoutes(instance, {
      base,
      entitySet: 'deviceManagement/deviceConfigurations',
      assignProperty: 'assignments',
      assignAnswerType: 'microsoft.graph.deviceConfigurationAssignment',
      ownerNoun: 'A profile',
      read: READ,
      write: WRITE,
      tenantOf,
      context,
      owner: ownPolicy,
      notFound: configurationErrors.notFound,
      invalid: configurationErrors.invalid,
      ...policyAssignments(store),
      changed: (tenantId) => replan(tenantId, true),
    });

    app.get(`${base}/:id/deviceStatuses`, { preValidation: refuseFilter, schema: { params: IdParams } }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      const policy = await ownPolicy(tenantId, request.params.id);
      const states = await store.statesOfPolicy(tenantId, policy.id);
      return {
        '@odata.context': context(`deviceManagement/deviceConfigurations('${policy.id}')/deviceStatuses`),
        value: states.map((s) => ({
          id: `${s.device.id}_${policy.id}`,
          deviceDisplayName: s.device.deviceName,
          userName: s.device.upn,
          deviceModel: s.device.model,
          ...(v === 'beta' ? { platform: 0 } : {}),
          complianceGracePeriodExpirationDateTime: NEVER,
          status: policyStatus(s.settings),
          lastReportedDateTime: s.updatedAt,
          userPrincipalName: s.device.upn,
        })),
      };
    });

    app.get(`${base}/:id/deviceStatusOverview`, { schema: { params: IdParams } }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      const policy = await ownPolicy(tenantId, request.params.id);
      const states = await store.statesOfPolicy(tenantId, policy.id);
      const statuses = states.map((s) => policyStatus(s.settings));
      const count = (state: string) => statuses.filter((s) => s === state).length;
      return {
        '@odata.context': context(`deviceManagement/deviceConfigurations('${policy.id}')/deviceStatusOverview/$entity`),
        id: `${policy.id}_overview`,
        pendingCount: count('unknown'),
        notApplicableCount: count('notApplicable'),
        ...(v === 'beta' ? { notApplicablePlatformCount: 0 } : {}),
        successCount: count('compliant'),
        errorCount: count('error'),
        failedCount: 0,
        conflictCount: count('conflict'),
        lastUpdateDateTime: states.reduce((latest, s) => (s.updatedAt > latest ? s.updatedAt : latest), policy.modifiedAt),
        configurationVersion: policy.version,
      };
    });

    app.get(`/graph/${v}/deviceManagement/managedDevices/:id/deviceConfigurationStates`, { preValidation: refuseFilter, schema: { params: IdParams } }, async (request) => {
      const claims = await deps.graphTokens.verifyHeader(request.headers.authorization);
      requireRole(claims, DEVICE_READ);
      const { id } = request.params;
      const enrollment = isGuid(id) ? await deps.store.getEnrollment(id.toLowerCase()) : undefined;
      if (!enrollment || enrollment.tenantId !== claims.tid.toLowerCase()) throw graphErrorsManagement.managedDeviceNotFound(id);
      const [states, names, policies] = await Promise.all([store.statesOf([enrollment.id]), namesOf(enrollment.tenantId), store.listPolicies(enrollment.tenantId)]);
      const byId = new Map(policies.map((p) => [p.id, p]));
      return {
        '@odata.context': context(`deviceManagement/managedDevices('${enrollment.id}')/deviceConfigurationStates`),
        value: (states.get(enrollment.id) ?? []).flatMap((s) => {
          const policy = byId.get(s.policyId);
          if (!policy) return [];
          return [
            {
              id: policy.id,
              displayName: policy.displayName,
              platformType: 'windows10AndLater',
              settingCount: s.settings.length,
              settingStates: settingStates(policy, s, names),
              state: policyStatus(s.settings),
              version: s.policyVersion,
              ...(v === 'beta' ? { userId: enrollment.userId, userPrincipalName: enrollment.upn } : {}),
            },
          ];
        }),
      };
    });
  }
}
