/**
 * Graph beta `deviceManagement/autopilotEvents`: one deviceManagementAutopilotEvent per
 * deployment, written by management from what it saw in the device's sessions (the ESP's
 * phases, their durations, and the failure with the app that caused it).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ROLES } from '@baton/contracts';
import { GraphError, graphErrorHandler, requireRole } from '@baton/kit';
import { ODataError, parseQueryOptions } from '@baton/protocols';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { appErrors } from '../apps/mobile-app.js';
import type { Deployment } from '../apps/store.js';
import type { ManagementDeps } from '../deps.js';

const READ = [ROLES.managedDevicesReadWrite, 'DeviceManagementManagedDevices.Read.All', ROLES.autopilotReadWrite];
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const Query = Type.Record(Type.String(), Type.String({ maxLength: 2048 }));

/** Edm.Duration: `PT1H2M3.5S`. */
export function isoDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms)) / 1000;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = Math.round((total % 60) * 1000) / 1000;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s || (!h && !m) ? `${s}S` : ''}`;
}

const span = (from: string | null, to: string | null) => (from && to ? isoDuration(Date.parse(to) - Date.parse(from)) : 'PT0S');

export function toAutopilotEvent(d: Deployment): Record<string, unknown> {
  const deviceEnd = d.deviceSetupEndedAt ?? (d.deviceSetupStatus === 'failure' ? d.endedAt : null);
  return {
    '@odata.type': '#microsoft.graph.deviceManagementAutopilotEvent',
    id: d.id,
    eventDateTime: d.updatedAt,
    deviceRegisteredDateTime: d.startedAt,
    enrollmentStartDateTime: d.startedAt,
    enrollmentType: d.enrollmentType,
    deviceSerialNumber: d.serialNumber,
    managedDeviceName: d.deviceName,
    userPrincipalName: d.upn,
    windowsAutopilotDeploymentProfileDisplayName: null,
    enrollmentState: 'enrolled',
    windows10EnrollmentCompletionPageConfigurationDisplayName: d.espName,
    windows10EnrollmentCompletionPageConfigurationId: d.espId,
    deploymentState: d.state,
    deviceSetupStatus: d.deviceSetupStatus,
    accountSetupStatus: d.accountSetupStatus,
    osVersion: d.osVersion,
    deploymentDuration: span(d.startedAt, d.endedAt),
    deploymentTotalDuration: span(d.startedAt, d.endedAt),
    deviceSetupDuration: span(d.startedAt, deviceEnd),
    accountSetupDuration: span(d.accountSetupStartedAt ?? d.deviceSetupEndedAt, d.accountSetupStatus === 'notAttempted' ? null : d.endedAt),
    deploymentStartDateTime: d.startedAt,
    deploymentEndDateTime: d.endedAt ?? '0001-01-01T00:00:00Z',
    enrollmentFailureDetails: d.failureText,
    deviceId: d.enrollmentId,
    userId: d.userId,
    azureActiveDirectoryDeviceId: d.azureAdDeviceId,
    // What the ESP was waiting for when it failed: the app, with the installer's code.
    policyStatusDetails: d.failureAppId
      ? [{ id: d.failureAppId, displayName: d.failureText, policyType: 'application', complianceStatus: 'error', trackedOnEnrollmentStatus: true, lastReportedDateTime: d.updatedAt, errorCode: d.failureCode }]
      : [],
  };
}

export async function autopilotEventRoutes(instance: FastifyInstance, deps: ManagementDeps): Promise<void> {
  instance.setErrorHandler(graphErrorHandler);
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const base = '/graph/beta/deviceManagement/autopilotEvents';
  const context = (entity: string) => `${deps.urls.management}/graph/beta/$metadata#${entity}`;
  const tenantOf = async (request: FastifyRequest): Promise<string> => {
    const claims = await deps.graphTokens.verifyHeader(request.headers.authorization);
    requireRole(claims, READ);
    return claims.tid.toLowerCase();
  };

  app.get(base, { schema: { querystring: Query } }, async (request) => {
    const tenantId = await tenantOf(request);
    let query;
    try {
      query = parseQueryOptions(request.query, { options: ['filter', 'top', 'skip'], maxTop: 1000 });
    } catch (error) {
      if (error instanceof ODataError) throw new GraphError(400, 'BadRequest', `Invalid query. ${error.message}`);
      throw error;
    }
    let rows;
    try {
      rows = await deps.appsStore.listDeployments(tenantId, { ...(query.filter ? { filter: query.filter } : {}), top: query.top ?? 100, skip: query.skip ?? 0 });
    } catch (error) {
      if (error instanceof ODataError) throw new GraphError(400, 'BadRequest', `Invalid query. ${error.message}`);
      throw error;
    }
    return { '@odata.context': context('deviceManagement/autopilotEvents'), value: rows.map(toAutopilotEvent) };
  });

  app.get(`${base}/:id`, { schema: { params: IdParams } }, async (request) => {
    const tenantId = await tenantOf(request);
    const { id } = request.params;
    const found = GUID_RE.test(id) ? await deps.appsStore.getDeployment(tenantId, id.toLowerCase()) : undefined;
    if (!found) throw appErrors.notFound(id);
    return { '@odata.context': context('deviceManagement/autopilotEvents/$entity'), ...toAutopilotEvent(found) };
  });
}
