/** Graph `deviceManagement/managedDevices`: the enrollments of the caller's tenant. */
import { ROLES } from '@baton/contracts';
import { graphErrorHandler, requireRole, type AccessTokenClaims } from '@baton/kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ODataError, parseFilter, parseQueryOptions, type OrderByItem } from '@baton/protocols';
import type { ManagementDeps } from '../deps.js';
import { MANAGED_DEVICE_PROPERTIES } from '../store/odata-maps.js';
import { MANAGEMENT_AGENT, MANAGEMENT_STATE, OPERATING_SYSTEM, UNEVALUATED_COMPLIANCE } from '../store/managed-device-values.js';
import { graphErrorsManagement } from '../errors.js';
import { inventoryFacts } from '../session/inventory.js';
import { randomUUID } from 'node:crypto';
import {
  bitLockerRotationReads,
  defenderScanCommand,
  defenderSignatureCommand,
  deviceActionResults,
  deviceNameReads,
  rebootCommand,
  retireCommand,
  rotateBitLockerCommand,
  setDeviceNameCommand,
  wipeCommand,
  type WipeOptions,
} from '../session/actions.js';
import { defenderHealthReads, windowsProtectionState } from '../session/defender-health.js';
import { readDeviceName, readScanBody } from './action-bodies.js';
import { PROVIDER_ID } from '../enrollment/enroll.js';
import { readBulkRequest, runBulk } from './bulk-device-actions.js';
import type { DeviceActionName, Enrollment, ManagementState, NewCommand, StoredDeviceAction } from '../store/store.js';

const READ_ROLES = [ROLES.managedDevicesReadWrite, 'DeviceManagementManagedDevices.Read.All'];
/**
 * Graph asks PrivilegedOperations for wipe, retire, the Defender actions, rotateBitLockerKeys and
 * setDeviceName; Baton also accepts ReadWrite.All for every action, as it always has (its
 * operator tools hold that role).
 */
const ACTION_ROLES = ['DeviceManagementManagedDevices.PrivilegedOperations.All', ROLES.managedDevicesReadWrite];
const WIPE_FLAGS = ['keepEnrollmentData', 'keepUserData', 'useProtectedWipe', 'persistEsimDataPlan'] as const;
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_TOP = 100;
const MAX_TOP = 1000;
/** Graph's "never" for DateTimeOffset properties. */
const NEVER = '0001-01-01T00:00:00Z';
const UNSUPPORTED_OPTIONS = ['$search', '$expand', '$skiptoken'];

/** The device's evaluated compliance, when there is one; a device never evaluated is `unknown`. */
export interface ManagedDeviceCompliance {
  state: string;
  graceExpiresAt: string | null;
}

export function toManagedDevice(e: Enrollment, actions: StoredDeviceAction[] = [], compliance?: ManagedDeviceCompliance): Record<string, unknown> {
  const facts = inventoryFacts(e.inventory);
  return {
    id: e.id,
    deviceActionResults: deviceActionResults(actions, e),
    userId: e.userId,
    deviceName: facts.deviceName ?? e.deviceName,
    managedDeviceOwnerType: 'company',
    enrolledDateTime: e.enrolledAt,
    lastSyncDateTime: e.lastSyncAt ?? NEVER,
    operatingSystem: OPERATING_SYSTEM,
    complianceState: compliance?.state ?? UNEVALUATED_COMPLIANCE,
    complianceGracePeriodExpirationDateTime: compliance?.graceExpiresAt ?? '9999-12-31T23:59:59Z',
    managementAgent: MANAGEMENT_AGENT,
    managementState: MANAGEMENT_STATE[e.managementState],
    osVersion: facts.osVersion ?? e.osVersion,
    azureADRegistered: true,
    // The device authenticated alone (self-deploying, pre-provisioned), whoever uses it since.
    deviceEnrollmentType: e.deviceAuth ? 'windowsAzureADJoinUsingDeviceAuth' : 'windowsAzureADJoin',
    joinType: 'azureADJoined',
    azureADDeviceId: e.azureAdDeviceId,
    model: facts.model ?? null,
    manufacturer: facts.manufacturer ?? null,
    serialNumber: facts.serialNumber ?? null,
    userPrincipalName: e.upn,
    userDisplayName: e.userDisplayName ?? null,
    emailAddress: e.userEmail ?? null,
  };
}

function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return single(value[value.length - 1]);
  return typeof value === 'string' ? value : undefined;
}

function nonNegativeInt(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw graphErrorsManagement.badQuery(`${name} must be a non-negative integer.`);
  return Number(raw);
}

function selectFields(device: Record<string, unknown>, select: string[] | undefined): Record<string, unknown> {
  if (!select) return device;
  const out: Record<string, unknown> = { id: device.id };
  for (const field of select) if (field in device) out[field] = device[field];
  return out;
}

/** Graph clients send these as JSON booleans; the Intune portal sends "true"/"false" strings. */
function flag(body: Record<string, unknown>, name: string): boolean {
  const value = body[name];
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw graphErrorsManagement.badQuery(`${name} must be a boolean.`);
}

function wipeOptions(raw: unknown): WipeOptions {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw graphErrorsManagement.badQuery('The wipe body must be a JSON object.');
  const body = raw as Record<string, unknown>;
  // macOsUnlockCode, obliterationBehavior and the eSIM plan mean nothing to a Windows PC.
  const [keepEnrollmentData, keepUserData, useProtectedWipe] = WIPE_FLAGS.map((name) => flag(body, name));
  if (useProtectedWipe && (keepEnrollmentData || keepUserData)) {
    throw graphErrorsManagement.badQuery('useProtectedWipe cleans the whole drive and cannot keep enrollment or user data.');
  }
  return { keepEnrollmentData: keepEnrollmentData!, keepUserData: keepUserData!, useProtectedWipe: useProtectedWipe! };
}

interface ActionPlan {
  command?: NewCommand;
  managementState?: ManagementState;
  followUp?: NewCommand[];
}

function planAction(name: DeviceActionName, body: unknown): ActionPlan {
  switch (name) {
    case 'syncDevice':
      return {};
    case 'rebootNow':
      return { command: rebootCommand() };
    case 'wipe':
      return { command: wipeCommand(wipeOptions(body)), managementState: 'wipePending' };
    case 'retire':
      return { command: retireCommand(PROVIDER_ID), managementState: 'retirePending' };
    case 'windowsDefenderScan':
      return { command: defenderScanCommand(readScanBody(body).quickScan), followUp: defenderHealthReads() };
    case 'windowsDefenderUpdateSignatures':
      return { command: defenderSignatureCommand(), followUp: defenderHealthReads() };
    case 'rotateBitLockerKeys':
      // The request id ties the device's reported rotation status to this request.
      return { command: rotateBitLockerCommand(randomUUID()), followUp: bitLockerRotationReads() };
    case 'setDeviceName':
      return { command: setDeviceNameCommand(readDeviceName(body)), followUp: deviceNameReads() };
  }
}

const V1_ACTIONS: DeviceActionName[] = ['syncDevice', 'rebootNow', 'wipe', 'retire', 'windowsDefenderScan', 'windowsDefenderUpdateSignatures'];
/** Graph has these two in beta only. */
const BETA_ACTIONS: DeviceActionName[] = [...V1_ACTIONS, 'rotateBitLockerKeys', 'setDeviceName'];

export async function managedDeviceRoutes(app: FastifyInstance, deps: ManagementDeps): Promise<void> {
  app.setErrorHandler(graphErrorHandler);

  const authorize = async (request: FastifyRequest): Promise<AccessTokenClaims> => {
    const claims = await deps.graphTokens.verifyHeader(request.headers.authorization);
    requireRole(claims, READ_ROLES);
    return claims;
  };

  /** The caller's tenant's enrollment, or the 404 a device of another tenant also gets. */
  const ownEnrollment = async (request: FastifyRequest, roles: string[]): Promise<Enrollment> => {
    const claims = await deps.graphTokens.verifyHeader(request.headers.authorization);
    requireRole(claims, roles);
    const { id } = request.params as { id: string };
    const enrollment = await tenantEnrollment(claims.tid.toLowerCase(), id);
    if (!enrollment) throw graphErrorsManagement.managedDeviceNotFound(id);
    return enrollment;
  };

  /** The enrollment `id` names, when it is one of the tenant's; a device of another tenant is not found either. */
  const tenantEnrollment = async (tenantId: string, id: string): Promise<Enrollment | undefined> => {
    const enrollment = GUID_RE.test(id) ? await deps.store.getEnrollment(id.toLowerCase()) : undefined;
    return enrollment?.tenantId === tenantId ? enrollment : undefined;
  };

  /**
   * The tenant's enrollments, narrowed by a Graph $filter over the properties scripts filter on
   * (serialNumber, azureADDeviceId, deviceName, complianceState, operatingSystem, …). A
   * property it cannot filter on, or a value its enumeration lacks, is a 400 naming it, never
   * a scan of every device.
   */
  const listFiltered = async (tenantId: string, page: { top: number; skip: number }, filterText: string | undefined, orderby: OrderByItem[] | undefined) => {
    try {
      const filter = filterText === undefined ? undefined : parseFilter(filterText);
      return await deps.store.listEnrollments(tenantId, page, filter, orderby);
    } catch (error) {
      if (error instanceof ODataError) throw graphErrorsManagement.badQuery(`Invalid $filter: ${error.message}`);
      throw error;
    }
  };

  /** `$orderby` over the properties $filter can name; the store breaks ties by enrolment, so $skip pages stay stable. */
  const orderOf = (raw: string | undefined): OrderByItem[] | undefined => {
    if (raw === undefined) return undefined;
    try {
      return parseQueryOptions({ $orderby: raw }, { options: ['orderby'], orderby: Object.keys(MANAGED_DEVICE_PROPERTIES) }).orderby;
    } catch (error) {
      if (error instanceof ODataError) throw graphErrorsManagement.badQuery(`Invalid $orderby: ${error.message}`);
      throw error;
    }
  };

  for (const version of ['v1.0', 'beta']) {
    const base = `/graph/${version}/deviceManagement/managedDevices`;

    app.get(base, async (request) => {
      const claims = await authorize(request);
      const query = (request.query ?? {}) as Record<string, unknown>;
      for (const option of UNSUPPORTED_OPTIONS) if (query[option] !== undefined) throw graphErrorsManagement.unsupportedQuery(option);
      const top = Math.min(nonNegativeInt(single(query.$top), '$top') ?? DEFAULT_TOP, MAX_TOP);
      const skip = nonNegativeInt(single(query.$skip), '$skip') ?? 0;
      const selectRaw = single(query.$select);
      const select = selectRaw ? selectRaw.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      const count = single(query.$count);
      if (count !== undefined && count !== 'true' && count !== 'false') throw graphErrorsManagement.badQuery('$count must be true or false.');

      const page = await listFiltered(claims.tid.toLowerCase(), { top, skip }, single(query.$filter), orderOf(single(query.$orderby)));
      const body: Record<string, unknown> = {
        '@odata.context': `${deps.urls.management}/graph/${version}/$metadata#deviceManagement/managedDevices`,
      };
      if (count === 'true') body['@odata.count'] = page.total;
      if (top > 0 && skip + page.items.length < page.total) {
        const next = new URL(`${deps.urls.management}${base}`);
        for (const [k, v] of Object.entries(query)) {
          const s = single(v);
          if (s !== undefined && k !== '$skip') next.searchParams.set(k, s);
        }
        next.searchParams.set('$top', String(top));
        next.searchParams.set('$skip', String(skip + page.items.length));
        body['@odata.nextLink'] = next.toString();
      }
      const wantsActions = !select || select.includes('deviceActionResults');
      const actions = wantsActions ? await deps.store.listDeviceActions(page.items.map((e) => e.id)) : [];
      const compliance = await deps.complianceStore.complianceOf(page.items.map((e) => e.id));
      body.value = page.items.map((e) =>
        selectFields(
          toManagedDevice(
            e,
            actions.filter((a) => a.enrollmentId === e.id),
            compliance.get(e.id),
          ),
          select,
        ),
      );
      return body;
    });

    // The number of the tenant's managed devices a $filter selects, as text, as Graph answers a $count segment.
    app.get(`${base}/$count`, async (request, reply) => {
      const claims = await authorize(request);
      const query = (request.query ?? {}) as Record<string, unknown>;
      const other = Object.keys(query).find((option) => option !== '$filter');
      if (other !== undefined) throw graphErrorsManagement.unsupportedQuery(other.slice(0, 40));
      const page = await listFiltered(claims.tid.toLowerCase(), { top: 0, skip: 0 }, single(query.$filter), undefined);
      return reply.type('text/plain; charset=utf-8').send(String(page.total));
    });

    // Intune's users of a managed device: its primary user, as the enrollment knows them
    // (a device that enrolled alone and has learned no user yet has none).
    app.get(`${base}/:id/users`, async (request) => {
      const enrollment = await ownEnrollment(request, READ_ROLES);
      const users = enrollment.userId
        ? [{ id: enrollment.userId, userPrincipalName: enrollment.upn, displayName: enrollment.userDisplayName ?? null, mail: enrollment.userEmail ?? null }]
        : [];
      return { '@odata.context': `${deps.urls.management}/graph/${version}/$metadata#users`, value: users };
    });

    app.get(`${base}/:id`, async (request) => {
      // Another tenant's device answers exactly like a device that does not exist.
      const enrollment = await ownEnrollment(request, READ_ROLES);
      const actions = await deps.store.listDeviceActions([enrollment.id]);
      const compliance = (await deps.complianceStore.complianceOf([enrollment.id])).get(enrollment.id);
      const selectRaw = single(((request.query ?? {}) as Record<string, unknown>).$select);
      const select = selectRaw ? selectRaw.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      return {
        '@odata.context': `${deps.urls.management}/graph/${version}/$metadata#deviceManagement/managedDevices/$entity`,
        ...selectFields(toManagedDevice(enrollment, actions, compliance), select),
      };
    });

    app.delete(`${base}/:id`, async (request, reply) => {
      const enrollment = await ownEnrollment(request, ACTION_ROLES);
      // The device's certificate then matches no enrollment: its next session gets SyncHdr 401.
      await deps.store.deleteEnrollment(enrollment.id);
      return reply.code(204).send();
    });

    // The Defender health the device last reported; a device that never did has none, as on Graph.
    app.get(`${base}/:id/windowsProtectionState`, async (request) => {
      const enrollment = await ownEnrollment(request, READ_ROLES);
      const state = windowsProtectionState(enrollment.id, enrollment.inventory);
      if (!state) throw graphErrorsManagement.protectionStateNotFound(enrollment.id);
      return {
        '@odata.context': `${deps.urls.management}/graph/${version}/$metadata#deviceManagement/managedDevices('${enrollment.id}')/windowsProtectionState/$entity`,
        ...state,
      };
    });

    for (const name of version === 'beta' ? BETA_ACTIONS : V1_ACTIONS) {
      const handler = async (request: FastifyRequest, reply: FastifyReply) => {
        const enrollment = await ownEnrollment(request, ACTION_ROLES);
        const plan = planAction(name, request.body);
        const at = new Date().toISOString();
        const recorded = await deps.store.requestDeviceAction(enrollment.id, { actionName: name, at, ...plan });
        if (!recorded) throw graphErrorsManagement.managedDeviceNotFound(enrollment.id);
        return reply.code(204).send();
      };
      // The Graph SDKs address bound actions by their plain name, OData allows the namespace too.
      app.post(`${base}/:id/${name}`, handler);
      app.post(`${base}/:id/microsoft.graph.${name}`, handler);
    }

    if (version === 'beta') {
      const bulk = async (request: FastifyRequest) => {
        const claims = await deps.graphTokens.verifyHeader(request.headers.authorization);
        requireRole(claims, ACTION_ROLES);
        const tenantId = claims.tid.toLowerCase();
        const bulkRequest = readBulkRequest(request.body);
        // Checked whole before any device is touched: a bad wipe body queues nothing.
        // quickScan and fullScan are Graph's two bulk spellings of one windowsDefenderScan.
        const body = bulkRequest.action === 'windowsDefenderScan' ? { quickScan: bulkRequest.member === 'quickScan' } : request.body;
        const plan = bulkRequest.action && bulkRequest.action !== 'delete' ? planAction(bulkRequest.action, body) : undefined;
        const result = await runBulk(bulkRequest, async (action, id) => {
          const enrollment = await tenantEnrollment(tenantId, id);
          if (!enrollment) return 'notFound';
          if (action === 'delete') {
            await deps.store.deleteEnrollment(enrollment.id);
            return 'successful';
          }
          const recorded = await deps.store.requestDeviceAction(enrollment.id, { actionName: action, at: new Date().toISOString(), ...plan });
          return recorded ? 'successful' : 'failed';
        });
        return { '@odata.context': `${deps.urls.management}/graph/beta/$metadata#microsoft.graph.bulkManagedDeviceActionResult`, ...result };
      };
      app.post(`${base}/executeAction`, { bodyLimit: 256 * 1024 }, bulk);
      app.post(`${base}/microsoft.graph.executeAction`, { bodyLimit: 256 * 1024 }, bulk);
    }
  }
}
