/**
 * The directory part of the Graph surface: devices, users, organization. The token's
 * tenant decides whose directory is read; an id from another tenant is simply not found.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ROLES } from '@baton/contracts';
import { graphErrorHandler, graphErrors, refuseFilter, requireRole } from '@baton/kit';
import type { VerifiedAccess } from '../domain/access-tokens.js';
import { complianceErrors, MDM_OWNED_DEVICE_PROPERTIES } from '../domain/compliance.js';
import { DEVICE_SELECT, deleteDevice, getDevice, getDeviceByDeviceId, graphDevice, listDevices, patchDevice, upsertDevice, type DeviceUpsert } from '../domain/devices.js';
import { createUser, deleteUser, getUser, graphBranding, graphOrganization, graphUser, listUsers, updateBranding, updateUser, USER_SELECT, userChangeOf } from '../domain/directory.js';
import { DEVICES, USERS } from '../domain/directory-collections.js';
import { userProfileOf } from '../domain/user-profile.js';
import { pageQuery, skiptokenAfter, withSelect } from '../domain/groups.js';
import { directoryCountQuery, directoryListQuery, entitySelect, nextPageQuery } from '../domain/list-query.js';
import { GRAPH_VERSIONS, type GraphVersion } from '../domain/urls.js';
import { identityGraphErrors } from '../errors.js';
import type { UserProfileProperty } from '../store/store.js';
import type { IdentityRouteOptions } from './context.js';
import { verifyGraphCaller } from './graph-caller.js';
import { alternateKeyValue } from './alternate-key.js';
import { registerAppRegistrationRoutes } from './app-registrations.js';
import { registerAuditLogRoutes } from './audit-logs.js';
import { registerBitLockerKeyRoutes } from './bitlocker-keys.js';
import { registerComplianceRoutes } from './compliance.js';
import { registerConditionalAccessRoutes } from './conditional-access.js';
import { registerGroupRoutes } from './groups.js';

const DEVICE_READ = [ROLES.devicesReadWrite, 'Device.Read.All', ROLES.directoryRead, 'Directory.ReadWrite.All'];
const DEVICE_WRITE = [ROLES.devicesReadWrite, 'Directory.ReadWrite.All'];
const USER_READ = [ROLES.usersReadWrite, 'User.Read.All', ROLES.directoryRead, 'Directory.ReadWrite.All'];
const USER_WRITE = [ROLES.usersReadWrite, 'Directory.ReadWrite.All'];
const BRANDING_READ = [ROLES.brandingReadWrite, 'OrganizationalBranding.Read.All', ROLES.directoryRead, 'Organization.Read.All'];
const BRANDING_WRITE = [ROLES.brandingReadWrite, 'Organization.ReadWrite.All'];

const ListQuery = Type.Object(
  {
    $filter: Type.Optional(Type.String({ maxLength: 2000 })),
    $search: Type.Optional(Type.String({ maxLength: 2000 })),
    $orderby: Type.Optional(Type.String({ maxLength: 200 })),
    $top: Type.Optional(Type.String({ maxLength: 10 })),
    // A sorted list's token carries the last row's sorted values, a displayName among them.
    $skiptoken: Type.Optional(Type.String({ maxLength: 4096 })),
    $count: Type.Optional(Type.String({ maxLength: 10 })),
  },
  { additionalProperties: true },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 256 }) });
const DevicePatchBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    physicalIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { maxItems: 50 })),
    operatingSystem: Type.Optional(Type.String({ maxLength: 64 })),
    operatingSystemVersion: Type.Optional(Type.String({ maxLength: 64 })),
    accountEnabled: Type.Optional(Type.Boolean()),
    deviceOwnership: Type.Optional(Type.Union([Type.Literal('Company'), Type.Literal('Personal')])),
    // Null clears it: discovery sends null when the device's Autopilot profile is unassigned.
    enrollmentProfileName: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    extensionAttributes: Type.Optional(
      Type.Record(Type.String({ maxLength: 32 }), Type.Union([Type.String({ maxLength: 1024 }), Type.Null()]), { maxProperties: 15 }),
    ),
  },
  { additionalProperties: true },
);
type DevicePatchInput = Static<typeof DevicePatchBody>;
// Text or null (which clears); lengths, the country code and the address are checked by
// userProfileOf, so a bad value gets Graph's own message naming the property.
const profileText = Type.Optional(Type.Union([Type.String(), Type.Null()]));
const UserProfileBody = {
  givenName: profileText,
  surname: profileText,
  mail: profileText,
  jobTitle: profileText,
  department: profileText,
  companyName: profileText,
  officeLocation: profileText,
  city: profileText,
  state: profileText,
  country: profileText,
  usageLocation: profileText,
  employeeId: profileText,
  mobilePhone: profileText,
} satisfies Record<UserProfileProperty, TSchema>;

/** Graph's required properties of a new user and the profile Baton keeps; others Graph accepts are ignored. */
const UserCreateBody = Type.Object(
  {
    ...UserProfileBody,
    accountEnabled: Type.Boolean(),
    displayName: Type.String({ minLength: 1, maxLength: 256 }),
    mailNickname: Type.String({ minLength: 1, maxLength: 64 }),
    userPrincipalName: Type.String({ minLength: 3, maxLength: 256 }),
    passwordProfile: Type.Object(
      { password: Type.String({ minLength: 1, maxLength: 256 }), forceChangePasswordNextSignIn: Type.Optional(Type.Boolean()) },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);

const UserPatchBody = Type.Object(
  {
    ...UserProfileBody,
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    accountEnabled: Type.Optional(Type.Boolean()),
    passwordProfile: Type.Optional(
      Type.Object({ password: Type.String({ minLength: 1, maxLength: 256 }), forceChangePasswordNextSignIn: Type.Optional(Type.Boolean()) }, { additionalProperties: true }),
    ),
  },
  { additionalProperties: true },
);

/** The body's writable attributes; compliance belongs to the MDM application's handoff. */
function deviceUpsertOf(body: DevicePatchInput & Record<string, unknown>): DeviceUpsert {
  if (MDM_OWNED_DEVICE_PROPERTIES.some((name) => body[name] !== undefined)) throw complianceErrors.notMdmApplication();
  return {
    displayName: body.displayName,
    physicalIds: body.physicalIds,
    operatingSystem: body.operatingSystem,
    operatingSystemVersion: body.operatingSystemVersion,
    accountEnabled: body.accountEnabled,
    deviceOwnership: body.deviceOwnership,
    enrollmentProfileName: body.enrollmentProfileName,
    extensionAttributes: body.extensionAttributes,
  };
}

function alternateKey(raw: string): string {
  const value = alternateKeyValue(raw);
  if (value === undefined) throw graphErrors.badRequest(`Invalid key: devices(deviceId=${raw.slice(0, 80)}.`);
  return value;
}

function wantsCreate(prefer: string | string[] | undefined): boolean {
  const values = (Array.isArray(prefer) ? prefer : [prefer ?? '']).flatMap((v) => v.split(','));
  return values.some((v) => v.trim().toLowerCase() === 'create-if-missing');
}

export const graphRoutes: FastifyPluginAsync<IdentityRouteOptions> = async (instance: FastifyInstance, { deps, events }) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(graphErrorHandler);
  const access = new WeakMap<FastifyRequest, VerifiedAccess>();
  const context = (version: GraphVersion, entity: string) => deps.urls.graph(`$metadata#${entity}`, version);

  /** One page of `/devices` or `/users`; its next link asks the same question. */
  const directoryPage = (
    v: GraphVersion,
    collection: 'devices' | 'users',
    query: Record<string, string | undefined>,
    value: unknown[],
    nextSkiptoken: string | undefined,
    count: number | undefined,
  ): Record<string, unknown> => {
    const body: Record<string, unknown> = { '@odata.context': context(v, collection) };
    if (count !== undefined) body['@odata.count'] = count;
    body.value = value;
    if (nextSkiptoken) body['@odata.nextLink'] = deps.urls.graph(`${collection}?${nextPageQuery(query, nextSkiptoken)}`, v);
    return body;
  };

  app.addHook('onRequest', async (request) => {
    access.set(request, await verifyGraphCaller(deps, request));
  });
  const caller = (request: FastifyRequest, roles?: string[]) => {
    const verified = access.get(request)!;
    if (roles) requireRole(verified.claims, roles);
    return verified.tenant;
  };

  // The directory is the same on both versions (beta's extra properties aside), and scripts use
  // both: Get-WindowsAutopilotInfoCommunity reads beta/devices, the SDKs default to v1.0.
  for (const v of GRAPH_VERSIONS) {
    app.get(`/graph/${v}/organization`, { preValidation: refuseFilter }, async (request) => {
      const tenant = caller(request);
      return { '@odata.context': context(v, 'organization'), value: [graphOrganization(tenant)] };
    });

    const ownOrganization = (request: FastifyRequest, id: string, roles: string[]) => {
      const tenant = caller(request, roles);
      if (id.toLowerCase() !== tenant.id) throw identityGraphErrors.objectNotFound(id);
      return tenant;
    };
    app.get(`/graph/${v}/organization/:id/branding`, { schema: { params: IdParams } }, async (request) => ({
      '@odata.context': context(v, `organization('${request.params.id}')/branding/$entity`),
      ...graphBranding(ownOrganization(request, request.params.id, BRANDING_READ)),
    }));
    app.patch(`/graph/${v}/organization/:id/branding`, { bodyLimit: 16 * 1024, schema: { params: IdParams, body: Type.Object({}, { additionalProperties: true }) } }, async (request, reply) => {
      await updateBranding(deps, ownOrganization(request, request.params.id, BRANDING_WRITE), request.body as Record<string, unknown>);
      return reply.code(204).send();
    });

    app.get(`/graph/${v}/devices`, { schema: { querystring: ListQuery } }, async (request) => {
      const tenant = caller(request, DEVICE_READ);
      const query = directoryListQuery(request.query, request.headers.consistencylevel, DEVICES);
      const { devices, nextSkiptoken } = await listDevices(deps.store, tenant.id, query);
      const count = query.count ? await deps.store.countDevices(tenant.id, query) : undefined;
      return directoryPage(v, 'devices', request.query, devices.map((d) => withSelect({ ...graphDevice(d) }, query.select)), nextSkiptoken, count);
    });

    app.get(`/graph/${v}/devices/$count`, { schema: { querystring: ListQuery } }, async (request, reply) => {
      const tenant = caller(request, DEVICE_READ);
      const selection = directoryCountQuery(request.query, request.headers.consistencylevel, DEVICES);
      return reply.type('text/plain; charset=utf-8').send(String(await deps.store.countDevices(tenant.id, selection)));
    });

    app.get(`/graph/${v}/devices/:id`, { schema: { params: IdParams } }, async (request) => {
      const tenant = caller(request, DEVICE_READ);
      const select = entitySelect(request.query as Record<string, string | undefined>, DEVICE_SELECT);
      const device = await getDevice(deps.store, tenant.id, request.params.id);
      return { '@odata.context': context(v, 'devices/$entity'), ...withSelect({ ...graphDevice(device) }, select) };
    });

    app.get(`/graph/${v}/devices(deviceId=:key`, { schema: { params: KeyParams } }, async (request) => {
      const tenant = caller(request, DEVICE_READ);
      const select = entitySelect(request.query as Record<string, string | undefined>, DEVICE_SELECT);
      const device = await getDeviceByDeviceId(deps.store, tenant.id, alternateKey(request.params.key));
      return { '@odata.context': context(v, 'devices/$entity'), ...withSelect({ ...graphDevice(device) }, select) };
    });

    app.patch(
      `/graph/${v}/devices(deviceId=:key`,
      { bodyLimit: 64 * 1024, schema: { params: KeyParams, body: DevicePatchBody } },
      async (request, reply) => {
        const tenant = caller(request, DEVICE_WRITE);
        const deviceId = alternateKey(request.params.key);
        const { created, mergedInto, device } = await upsertDevice(
          deps.store,
          deps.feed,
          tenant.id,
          deviceId,
          deviceUpsertOf(request.body),
          wantsCreate(request.headers.prefer),
          deps.now(),
        );
        // 200 with the body only when the request was merged into another object, so the
        // caller learns the device id that object carries.
        if (mergedInto) return reply.code(200).send({ '@odata.context': context(v, 'devices/$entity'), ...graphDevice(mergedInto) });
        if (!created) return reply.code(204).send();
        return reply.code(201).send({ '@odata.context': context(v, 'devices/$entity'), ...graphDevice(device) });
      },
    );

    app.patch(`/graph/${v}/devices/:id`, { bodyLimit: 64 * 1024, schema: { params: IdParams, body: DevicePatchBody } }, async (request, reply) => {
      const tenant = caller(request, DEVICE_WRITE);
      await patchDevice(deps, tenant.id, request.params.id, deviceUpsertOf(request.body));
      return reply.code(204).send();
    });

    app.delete(`/graph/${v}/devices/:id`, { schema: { params: IdParams } }, async (request, reply) => {
      const tenant = caller(request, DEVICE_WRITE);
      await deleteDevice(deps, tenant.id, request.params.id);
      return reply.code(204).send();
    });

    app.get(`/graph/${v}/users`, { schema: { querystring: ListQuery } }, async (request) => {
      const tenant = caller(request, USER_READ);
      const query = directoryListQuery(request.query, request.headers.consistencylevel, USERS);
      const { users, nextSkiptoken } = await listUsers(deps.store, tenant.id, query);
      const count = query.count ? await deps.store.countUsers(tenant.id, query) : undefined;
      return directoryPage(v, 'users', request.query, users.map((u) => withSelect(graphUser(u), query.select)), nextSkiptoken, count);
    });

    app.get(`/graph/${v}/users/$count`, { schema: { querystring: ListQuery } }, async (request, reply) => {
      const tenant = caller(request, USER_READ);
      const selection = directoryCountQuery(request.query, request.headers.consistencylevel, USERS);
      return reply.type('text/plain; charset=utf-8').send(String(await deps.store.countUsers(tenant.id, selection)));
    });

    app.post(`/graph/${v}/users`, { bodyLimit: 16 * 1024, schema: { body: UserCreateBody } }, async (request, reply) => {
      const tenant = caller(request, USER_WRITE);
      const body = request.body;
      const user = await createUser(deps, tenant, {
        userPrincipalName: body.userPrincipalName,
        displayName: body.displayName,
        password: body.passwordProfile.password,
        accountEnabled: body.accountEnabled,
        profile: userProfileOf(body),
      });
      return reply.code(201).send({ '@odata.context': context(v, 'users/$entity'), ...graphUser(user) });
    });

    app.patch(`/graph/${v}/users/:id`, { bodyLimit: 16 * 1024, schema: { params: IdParams, body: UserPatchBody } }, async (request, reply) => {
      const tenant = caller(request, USER_WRITE);
      await updateUser(deps, tenant, request.params.id, userChangeOf(request.body));
      return reply.code(204).send();
    });

    app.delete(`/graph/${v}/users/:id`, { schema: { params: IdParams } }, async (request, reply) => {
      const tenant = caller(request, USER_WRITE);
      await deleteUser(deps, tenant, request.params.id);
      return reply.code(204).send();
    });

    // The devices a user joined with their own account, and the other way round: Entra's
    // registered owner and registered user of a device are that account.
    for (const navigation of ['registeredDevices', 'ownedDevices']) {
      app.get(`/graph/${v}/users/:id/${navigation}`, { schema: { params: IdParams } }, async (request) => {
        const tenant = caller(request, DEVICE_READ);
        const query = request.query as Record<string, string | undefined>;
        const page = pageQuery(query, DEVICE_SELECT);
        const user = await getUser(deps.store, tenant.id, request.params.id);
        const rows = await deps.store.listDevicesOfOwner(tenant.id, user.id, { afterId: page.afterId, limit: page.top + 1 });
        const devices = rows.slice(0, page.top);
        const body: Record<string, unknown> = { '@odata.context': context(v, 'directoryObjects') };
        body.value = devices.map((d) => ({ '@odata.type': '#microsoft.graph.device', ...withSelect({ ...graphDevice(d) }, page.select) }));
        if (rows.length > page.top) {
          body['@odata.nextLink'] = deps.urls.graph(`users/${user.id}/${navigation}?${nextPageQuery(query, skiptokenAfter(devices.at(-1)!.id))}`, v);
        }
        return body;
      });
    }

    for (const navigation of ['registeredOwners', 'registeredUsers']) {
      app.get(`/graph/${v}/devices/:id/${navigation}`, { schema: { params: IdParams } }, async (request) => {
        const tenant = caller(request, USER_READ);
        const select = pageQuery(request.query as Record<string, string | undefined>, USER_SELECT).select;
        const device = await getDevice(deps.store, tenant.id, request.params.id);
        const owner = device.registeredOwnerUserId ? await deps.store.findUserById(tenant.id, device.registeredOwnerUserId) : undefined;
        return {
          '@odata.context': context(v, 'directoryObjects'),
          value: owner ? [{ '@odata.type': '#microsoft.graph.user', ...withSelect(graphUser(owner), select) }] : [],
        };
      });
    }

    // The signed-in user of a delegated token; an application's own token has none.
    app.get(`/graph/${v}/me`, async (request) => {
      const { tenant, claims } = access.get(request)!;
      if (claims.idtyp === 'app' || !claims.scp || !claims.oid) throw graphErrors.badRequest('/me request is only valid with delegated authentication flow.');
      const select = entitySelect(request.query as Record<string, string | undefined>, USER_SELECT);
      return { '@odata.context': context(v, 'users/$entity'), ...withSelect(graphUser(await getUser(deps.store, tenant.id, claims.oid)), select) };
    });

    app.get(`/graph/${v}/users/:id`, { schema: { params: IdParams } }, async (request) => {
      const tenant = caller(request, USER_READ);
      const select = entitySelect(request.query as Record<string, string | undefined>, USER_SELECT);
      const user = await getUser(deps.store, tenant.id, request.params.id);
      return { '@odata.context': context(v, 'users/$entity'), ...withSelect(graphUser(user), select) };
    });
  }

  registerGroupRoutes(instance, deps, (request) => access.get(request)!);
  registerAppRegistrationRoutes(instance, deps, (request) => access.get(request)!);
  registerComplianceRoutes(instance, deps, (request) => access.get(request)!);
  registerAuditLogRoutes(instance, deps, (request) => access.get(request)!);
  registerBitLockerKeyRoutes(instance, deps, (request) => access.get(request)!, events);
  registerConditionalAccessRoutes(instance, deps, (request) => access.get(request)!);
};
