/** Graph `deviceManagement/managedDevices`: the enrollments of the caller's tenant. */
import { ROLES } from '@baton/contracts';
import { graphErrorHandler, requireRole, type AccessTokenClaims } from '@baton/kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ManagementDeps } from '../deps.js';
import { graphErrorsManagement } from '../errors.js';
import { inventoryFacts } from '../session/inventory.js';
import type { Enrollment } from '../store/store.js';

const READ_ROLES = [ROLES.managedDevicesReadWrite, 'DeviceManagementManagedDevices.Read.All'];
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_TOP = 100;
const MAX_TOP = 1000;
/** Graph's "never" for DateTimeOffset properties. */
const NEVER = '0001-01-01T00:00:00Z';
const UNSUPPORTED_OPTIONS = ['$filter', '$orderby', '$search', '$expand', '$skiptoken'];

/** Graph's managementState has no "enrolling" or "retired": the nearest values it does have. */
const MANAGEMENT_STATE: Record<Enrollment['managementState'], string> = {
  enrolling: 'discovered',
  managed: 'managed',
  retired: 'retireIssued',
};

export function toManagedDevice(e: Enrollment): Record<string, unknown> {
  const facts = inventoryFacts(e.inventory);
  return {
    id: e.id,
    userId: e.userId,
    deviceName: facts.deviceName ?? e.deviceName,
    managedDeviceOwnerType: 'company',
    enrolledDateTime: e.enrolledAt,
    lastSyncDateTime: e.lastSyncAt ?? NEVER,
    operatingSystem: 'Windows',
    complianceState: 'unknown',
    managementAgent: 'mdm',
    managementState: MANAGEMENT_STATE[e.managementState],
    osVersion: facts.osVersion ?? e.osVersion,
    azureADRegistered: true,
    deviceEnrollmentType: 'windowsAzureADJoin',
    joinType: 'azureADJoined',
    azureADDeviceId: e.azureAdDeviceId,
    model: facts.model ?? null,
    manufacturer: facts.manufacturer ?? null,
    serialNumber: facts.serialNumber ?? null,
    userPrincipalName: e.upn,
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

export async function managedDeviceRoutes(app: FastifyInstance, deps: ManagementDeps): Promise<void> {
  app.setErrorHandler(graphErrorHandler);

  const authorize = async (request: FastifyRequest): Promise<AccessTokenClaims> => {
    const claims = await deps.graphTokens.verifyHeader(request.headers.authorization);
    requireRole(claims, READ_ROLES);
    return claims;
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

      const page = await deps.store.listEnrollments(claims.tid.toLowerCase(), { top, skip });
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
      body.value = page.items.map((e) => selectFields(toManagedDevice(e), select));
      return body;
    });

    app.get(`${base}/:id`, async (request) => {
      const claims = await authorize(request);
      const { id } = request.params as { id: string };
      const enrollment = GUID_RE.test(id) ? await deps.store.getEnrollment(id.toLowerCase()) : undefined;
      // Another tenant's device answers exactly like a device that does not exist.
      if (!enrollment || enrollment.tenantId !== claims.tid.toLowerCase()) throw graphErrorsManagement.managedDeviceNotFound(id);
      const selectRaw = single(((request.query ?? {}) as Record<string, unknown>).$select);
      const select = selectRaw ? selectRaw.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      return {
        '@odata.context': `${deps.urls.management}/graph/${version}/$metadata#deviceManagement/managedDevices/$entity`,
        ...selectFields(toManagedDevice(enrollment), select),
      };
    });
  }
}
