/**
 * Graph `deviceManagement/deviceCompliancePolicies` (windows10CompliancePolicy) on v1.0 and
 * beta: the policies, their scheduled actions, assignments and the `assign` action, the
 * per-policy device statuses and overview, and `managedDevices/{id}/deviceCompliancePolicyStates`.
 * Every change to a policy or its assignments re-evaluates the tenant's devices.
 */
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ROLES } from '@baton/contracts';
import { graphErrorHandler, refuseFilter, requireRole } from '@baton/kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ManagementDeps } from '../deps.js';
import { AnyObject, assignmentRoutes, IdParams, policyAssignments } from './graph-assignments.js';
import { graphTenantOf, isGuid, ownedById } from './graph-caller.js';
import { graphErrorsManagement } from '../errors.js';
import {
  defaultSettings,
  gracePeriodHours,
  parsePolicyInput,
  policyErrors,
  toGraphPolicy,
  type CompliancePolicy,
  type GraphVersion,
  type ScheduledActionForRule,
} from '../compliance/policy.js';
import type { StoredPolicyState } from '../compliance/store.js';

const READ = [ROLES.configurationReadWrite, 'DeviceManagementConfiguration.Read.All'];
const WRITE = [ROLES.configurationReadWrite];
const DEVICE_READ = [ROLES.managedDevicesReadWrite, 'DeviceManagementManagedDevices.Read.All'];
const VERSIONS: GraphVersion[] = ['v1.0', 'beta'];

const ScheduleBody = Type.Object({ deviceComplianceScheduledActionForRules: Type.Array(Type.Unknown(), { maxItems: 10 }) }, { additionalProperties: true });

/** Graph's per-policy complianceStatus: the stored setting states use its spelling already. */
function settingStates(policy: Pick<CompliancePolicy, 'id' | 'displayName'>, state: StoredPolicyState): Array<Record<string, unknown>> {
  return state.settings.map((s) => ({
    setting: `Windows10CompliancePolicy.${s.settingName}`,
    settingName: s.settingName,
    instanceDisplayName: null,
    state: s.state,
    errorCode: 0,
    errorDescription: s.state === 'compliant' ? null : (s.reason ?? `Expected ${s.expectedValue}.`),
    currentValue: s.currentValue,
    sources: [{ id: policy.id, displayName: policy.displayName, sourceType: 'deviceConfiguration' }],
  }));
}

function graceEnds(state: StoredPolicyState, policy: CompliancePolicy): string {
  if (state.state !== 'nonCompliant' || !state.noncompliantSince) return '9999-12-31T23:59:59Z';
  return new Date(Date.parse(state.noncompliantSince) + gracePeriodHours(policy) * 3_600_000).toISOString();
}

export async function compliancePolicyRoutes(instance: FastifyInstance, deps: ManagementDeps): Promise<void> {
  instance.setErrorHandler(graphErrorHandler);
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const store = deps.complianceStore;

  const tenantOf = graphTenantOf(deps.graphTokens);
  const ownPolicy = (tenantId: string, id: string): Promise<CompliancePolicy> => ownedById(id, (key) => store.getPolicy(tenantId, key), policyErrors.notFound);
  /** The policy or its targets changed: devices are evaluated again before the answer goes out. */
  const reevaluate = async (tenantId: string, assignmentsChanged = false) => {
    const run = assignmentsChanged ? deps.compliance.assignmentsChanged(tenantId) : deps.compliance.evaluateTenant(tenantId);
    await run.catch((error: unknown) => deps.logger.warn({ tenantId, err: String(error) }, 'compliance re-evaluation failed'));
  };

  for (const v of VERSIONS) {
    const base = `/graph/${v}/deviceManagement/deviceCompliancePolicies`;
    const context = (entity: string) => `${deps.urls.management}/graph/${v}/$metadata#${entity}`;

    app.get(base, { preValidation: refuseFilter }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      const policies = await store.listPolicies(tenantId);
      return { '@odata.context': context('deviceManagement/deviceCompliancePolicies'), value: policies.map((p) => toGraphPolicy(p, v)) };
    });

    app.post(base, { schema: { body: AnyObject } }, async (request, reply) => {
      const tenantId = await tenantOf(request, WRITE);
      const input = parsePolicyInput(request.body, v, 'create', randomUUID);
      // Intune refuses a compliance policy without its rule actions (at least the block action).
      if (!input.scheduledActions || input.scheduledActions.length === 0) {
        throw policyErrors.invalid("'scheduledActionsForRule' is required: give at least one rule with a block action.");
      }
      const at = new Date().toISOString();
      const policy: CompliancePolicy = {
        id: randomUUID(),
        tenantId,
        displayName: input.displayName!,
        description: input.description ?? null,
        createdAt: at,
        modifiedAt: at,
        version: 1,
        settings: { ...defaultSettings(), ...input.settings } as CompliancePolicy['settings'],
        scheduledActions: input.scheduledActions,
      };
      await store.insertPolicy(policy);
      return reply.code(201).send({ '@odata.context': context('deviceManagement/deviceCompliancePolicies/$entity'), ...toGraphPolicy(policy, v) });
    });

    app.get(`${base}/:id`, { schema: { params: IdParams } }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      const policy = await ownPolicy(tenantId, request.params.id);
      return { '@odata.context': context('deviceManagement/deviceCompliancePolicies/$entity'), ...toGraphPolicy(policy, v) };
    });

    app.patch(`${base}/:id`, { schema: { params: IdParams, body: AnyObject } }, async (request, reply) => {
      const tenantId = await tenantOf(request, WRITE);
      const policy = await ownPolicy(tenantId, request.params.id);
      const input = parsePolicyInput(request.body, v, 'update', randomUUID);
      const updated: CompliancePolicy = {
        ...policy,
        displayName: input.displayName ?? policy.displayName,
        description: input.description === undefined ? policy.description : input.description,
        settings: { ...policy.settings, ...input.settings } as CompliancePolicy['settings'],
        scheduledActions: input.scheduledActions ?? policy.scheduledActions,
        version: policy.version + 1,
        modifiedAt: new Date().toISOString(),
      };
      await store.updatePolicy(updated);
      await reevaluate(tenantId);
      return reply.code(204).send();
    });

    app.delete(`${base}/:id`, { schema: { params: IdParams } }, async (request, reply) => {
      const tenantId = await tenantOf(request, WRITE);
      const policy = await ownPolicy(tenantId, request.params.id);
      await store.deletePolicy(tenantId, policy.id);
      await reevaluate(tenantId);
      return reply.code(204).send();
    });

    app.get(`${base}/:id/scheduledActionsForRule`, { preValidation: refuseFilter, schema: { params: IdParams } }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      const policy = await ownPolicy(tenantId, request.params.id);
      return { '@odata.context': context(`deviceManagement/deviceCompliancePolicies('${policy.id}')/scheduledActionsForRule`), value: policy.scheduledActions };
    });

    const scheduleActions = async (request: FastifyRequest, id: string, rules: unknown[]) => {
      const tenantId = await tenantOf(request, WRITE);
      const policy = await ownPolicy(tenantId, id);
      const input = parsePolicyInput({ scheduledActionsForRule: rules }, v, 'update', randomUUID);
      const scheduledActions: ScheduledActionForRule[] = input.scheduledActions ?? [];
      await store.updatePolicy({ ...policy, scheduledActions, version: policy.version + 1, modifiedAt: new Date().toISOString() });
      await reevaluate(tenantId);
    };
    for (const name of ['scheduleActionsForRules', 'microsoft.graph.scheduleActionsForRules']) {
      app.post(`${base}/:id/${name}`, { schema: { params: IdParams, body: ScheduleBody } }, async (request, reply) => {
        await scheduleActions(request, request.params.id, request.body.deviceComplianceScheduledActionForRules);
        return reply.code(204).send();
      });
    }

    assignmentRoutes(instance, {
      base,
      entitySet: 'deviceManagement/deviceCompliancePolicies',
      assignProperty: 'assignments',
      assignAnswerType: 'microsoft.graph.deviceCompliancePolicyAssignment',
      ownerNoun: 'A policy',
      read: READ,
      write: WRITE,
      tenantOf,
      context,
      owner: ownPolicy,
      notFound: policyErrors.notFound,
      invalid: policyErrors.invalid,
      ...policyAssignments(store),
      changed: (tenantId) => reevaluate(tenantId, true),
    });

    app.get(`${base}/:id/deviceStatuses`, { preValidation: refuseFilter, schema: { params: IdParams } }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      const policy = await ownPolicy(tenantId, request.params.id);
      const states = await store.policyStatesOfPolicy(tenantId, policy.id);
      return {
        '@odata.context': context(`deviceManagement/deviceCompliancePolicies('${policy.id}')/deviceStatuses`),
        value: states.map((s) => ({
          id: `${s.enrollmentId}_${policy.id}`,
          deviceDisplayName: s.device.deviceName,
          userName: s.device.upn,
          deviceModel: s.device.model,
          ...(v === 'beta' ? { platform: 0 } : {}),
          complianceGracePeriodExpirationDateTime: graceEnds(s, policy),
          status: s.state,
          lastReportedDateTime: s.evaluatedAt,
          userPrincipalName: s.device.upn,
        })),
      };
    });

    app.get(`${base}/:id/deviceStatusOverview`, { schema: { params: IdParams } }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      const policy = await ownPolicy(tenantId, request.params.id);
      const states = await store.policyStatesOfPolicy(tenantId, policy.id);
      const count = (state: string) => states.filter((s) => s.state === state).length;
      return {
        '@odata.context': context(`deviceManagement/deviceCompliancePolicies('${policy.id}')/deviceStatusOverview/$entity`),
        id: `${policy.id}_overview`,
        // Devices are evaluated as they check in or when the policy changes; pending ones are not counted yet.
        pendingCount: 0,
        notApplicableCount: count('notApplicable'),
        successCount: count('compliant'),
        errorCount: count('error'),
        failedCount: count('nonCompliant'),
        lastUpdateDateTime: states.reduce((latest, s) => (s.evaluatedAt > latest ? s.evaluatedAt : latest), policy.modifiedAt),
        configurationVersion: policy.version,
      };
    });

    app.get(`/graph/${v}/deviceManagement/managedDevices/:id/deviceCompliancePolicyStates`, { preValidation: refuseFilter, schema: { params: IdParams } }, async (request) => {
      const claims = await deps.graphTokens.verifyHeader(request.headers.authorization);
      requireRole(claims, DEVICE_READ);
      const { id } = request.params;
      const enrollment = isGuid(id) ? await deps.store.getEnrollment(id.toLowerCase()) : undefined;
      if (!enrollment || enrollment.tenantId !== claims.tid.toLowerCase()) throw graphErrorsManagement.managedDeviceNotFound(id);
      const [states, policies] = await Promise.all([store.policyStatesOf([enrollment.id]), store.listPolicies(enrollment.tenantId)]);
      const byId = new Map(policies.map((p) => [p.id, p]));
      return {
        '@odata.context': context(`deviceManagement/managedDevices('${enrollment.id}')/deviceCompliancePolicyStates`),
        value: states.flatMap((s) => {
          const policy = byId.get(s.policyId);
          if (!policy) return [];
          return [
            {
              id: policy.id,
              displayName: policy.displayName,
              platformType: 'windows10AndLater',
              settingCount: s.settings.length,
              settingStates: settingStates(policy, s),
              state: s.state,
              version: s.policyVersion,
              ...(v === 'beta' ? { userId: enrollment.userId, userPrincipalName: enrollment.upn } : {}),
            },
          ];
        }),
      };
    });
  }
}
