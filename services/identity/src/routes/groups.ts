/**
 * Graph groups, their members and the objects' memberOf, on v1.0 and beta; the
 * subscriptions that turn their changes into notifications.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ROLES, type SubscriptionRequest } from '@baton/contracts';
import { refuseFilter, requireRole } from '@baton/kit';
import type { VerifiedAccess } from '../domain/access-tokens.js';
import type { MemberType } from '../store/store.js';
import type { IdentityDeps } from '../domain/deps.js';
import { getDevice } from '../domain/devices.js';
import { getUser } from '../domain/directory.js';
import { nextPageQuery, plainCount } from '../domain/list-query.js';
import {
  addMember,
  countMembers,
  createGroup,
  deleteGroup,
  evaluateMembership,
  getGroup,
  graphGroup,
  groupListQuery,
  GROUP_SELECT,
  listGroups,
  listMemberOf,
  listMembers,
  MEMBER_CAST_SELECT,
  pageQuery,
  removeMember,
  updateGroup,
  withSelect,
} from '../domain/groups.js';
import { GRAPH_VERSIONS, type GraphVersion } from '../domain/urls.js';
import {
  createSubscription,
  graphSubscription,
  ownSubscription,
  renewSubscription,
  type ResourceKind,
  type SubscriptionCaller,
} from '../domain/notifications/subscriptions.js';
import { identityGraphErrors } from '../errors.js';

const GROUP_WRITE = [ROLES.groupsReadWrite, 'Directory.ReadWrite.All'];
const GROUP_READ = [ROLES.groupsReadWrite, 'Group.Read.All', ROLES.directoryRead, 'Directory.ReadWrite.All', ROLES.devicesReadWrite];
const DEVICE_READ = [ROLES.devicesReadWrite, 'Device.Read.All', ROLES.directoryRead, 'Directory.ReadWrite.All'];
const USER_READ = [ROLES.usersReadWrite, 'User.Read.All', ROLES.directoryRead, 'Directory.ReadWrite.All'];

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const GroupBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ maxLength: 256 })),
    description: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
    mailNickname: Type.Optional(Type.String({ maxLength: 64 })),
    mailEnabled: Type.Optional(Type.Boolean()),
    securityEnabled: Type.Optional(Type.Boolean()),
    groupTypes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 8 })),
    // Longer than Entra's 3,072 so the rule parser, not the schema, says what is wrong.
    membershipRule: Type.Optional(Nullable(Type.String({ maxLength: 16_384 }))),
    membershipRuleProcessingState: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
  },
  { additionalProperties: true },
);
const RefBody = Type.Object({ '@odata.id': Type.String({ minLength: 1, maxLength: 2048 }) }, { additionalProperties: true });
const EvaluateBody = Type.Object(
  { memberId: Type.String({ minLength: 1, maxLength: 64 }), membershipRule: Type.Optional(Type.String({ maxLength: 16_384 })) },
  { additionalProperties: true },
);
const SubscriptionBody = Type.Object(
  {
    changeType: Type.String({ minLength: 1, maxLength: 100 }),
    notificationUrl: Type.String({ minLength: 1, maxLength: 2048 }),
    resource: Type.String({ minLength: 1, maxLength: 300 }),
    expirationDateTime: Type.String({ minLength: 1, maxLength: 64 }),
    clientState: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: true },
);
const RenewBody = Type.Object({ expirationDateTime: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: true });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
const MemberParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }), memberId: Type.String({ minLength: 1, maxLength: 256 }) });

/** `members` as it is, and cast to one type of member (`members/microsoft.graph.device`). */
const MEMBER_CASTS: ReadonlyArray<readonly [string | undefined, MemberType | undefined]> = [
  [undefined, undefined],
  ['microsoft.graph.device', 'device'],
  ['microsoft.graph.user', 'user'],
];

/** Query values as one string each; a repeated option is refused rather than guessed at. */
function queryOf(request: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(v)) throw identityGraphErrors.unsupportedQuery(`Query option '${k.slice(0, 40)}' is given more than once.`);
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

export type AccessOf = (request: FastifyRequest) => VerifiedAccess;

export function registerGroupRoutes(instance: FastifyInstance, deps: IdentityDeps, accessOf: AccessOf): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const tenantOf = (request: FastifyRequest, roles: string[]) => {
    const access = accessOf(request);
    requireRole(access.claims, roles);
    return access.tenant.id;
  };
  const base = (v: GraphVersion) => `${deps.urls.root}/graph/${v}`;
  const context = (v: GraphVersion, entity: string) => `${base(v)}/$metadata#${entity}`;
  const nextLink = (v: GraphVersion, path: string, query: Record<string, string | undefined>, token: string | undefined) => {
    if (!token) return {};
    return { '@odata.nextLink': `${base(v)}/${path}?${nextPageQuery(query, token)}` };
  };
  const subscriptionCaller = (request: FastifyRequest): SubscriptionCaller => {
    const { tenant, claims } = accessOf(request);
    const appId = claims.azp ?? claims.appid;
    if (!appId) throw identityGraphErrors.forbidden('Subscriptions are owned by an application; the token names none.');
    return {
      tenantId: tenant.id,
      appId,
      mayRead: (kind: ResourceKind) => requireRole(claims, kind === 'groups' ? GROUP_READ : DEVICE_READ),
    };
  };

  for (const v of GRAPH_VERSIONS) {
    const p = `/graph/${v}`;

    app.get(`${p}/groups`, async (request) => {
      const tenantId = tenantOf(request, GROUP_READ);
      const query = queryOf(request);
      const q = groupListQuery(query, request.headers.consistencylevel as string | undefined);
      const { groups, next, count } = await listGroups(deps.store, tenantId, q);
      return {
        '@odata.context': context(v, q.select ? `groups(${q.select.join(',')})` : 'groups'),
        ...(count !== undefined ? { '@odata.count': count } : {}),
        ...nextLink(v, 'groups', query, next),
        value: groups.map((g) => withSelect(graphGroup(g, v), q.select)),
      };
    });

    app.post(`${p}/groups`, { bodyLimit: 64 * 1024, schema: { body: GroupBody } }, async (request, reply) => {
      const tenantId = tenantOf(request, GROUP_WRITE);
      const group = await createGroup(deps, tenantId, request.body);
      return reply.code(201).send({ '@odata.context': context(v, 'groups/$entity'), ...graphGroup(group, v) });
    });

    app.get(`${p}/groups/:id`, { schema: { params: IdParams } }, async (request) => {
      const tenantId = tenantOf(request, GROUP_READ);
      const query = queryOf(request);
      const select = groupListQueryForSelect(query);
      const group = await getGroup(deps.store, tenantId, request.params.id);
      return { '@odata.context': context(v, 'groups/$entity'), ...withSelect(graphGroup(group, v), select) };
    });

    app.patch(`${p}/groups/:id`, { bodyLimit: 64 * 1024, schema: { params: IdParams, body: GroupBody } }, async (request, reply) => {
      const tenantId = tenantOf(request, GROUP_WRITE);
      await updateGroup(deps, tenantId, request.params.id, request.body);
      return reply.code(204).send();
    });

    app.delete(`${p}/groups/:id`, { schema: { params: IdParams } }, async (request, reply) => {
      const tenantId = tenantOf(request, GROUP_WRITE);
      await deleteGroup(deps, tenantId, request.params.id);
      return reply.code(204).send();
    });

    // Baton's groups hold users and devices, never other groups, so a group's transitive
    // members are its members and an object's transitive memberOf is its memberOf.
    for (const navigation of ['members', 'transitiveMembers']) {
      for (const [cast, memberType] of MEMBER_CASTS) {
        const path = `groups/:id/${navigation}${cast ? `/${cast}` : ''}`;
        app.get(`${p}/${path}`, { schema: { params: IdParams } }, async (request) => {
          const tenantId = tenantOf(request, GROUP_READ);
          const query = queryOf(request);
          const q = pageQuery(query, MEMBER_CAST_SELECT[memberType ?? 'all']);
          const { items, next } = await listMembers(deps.store, tenantId, request.params.id, q, memberType);
          return {
            '@odata.context': context(v, cast ? `${cast.replace('microsoft.graph.', '')}s` : 'directoryObjects'),
            ...nextLink(v, path.replace(':id', encodeURIComponent(request.params.id)), query, next),
            value: items,
          };
        });
        app.get(`${p}/${path}/$count`, { schema: { params: IdParams } }, async (request, reply) => {
          const tenantId = tenantOf(request, GROUP_READ);
          plainCount(queryOf(request), request.headers.consistencylevel);
          return reply.type('text/plain; charset=utf-8').send(String(await countMembers(deps.store, tenantId, request.params.id, memberType)));
        });
      }
    }

    app.post(`${p}/groups/:id/members/$ref`, { bodyLimit: 16 * 1024, schema: { params: IdParams, body: RefBody } }, async (request, reply) => {
      const tenantId = tenantOf(request, GROUP_WRITE);
      await addMember(deps, tenantId, request.params.id, request.body['@odata.id']);
      return reply.code(204).send();
    });

    app.delete(`${p}/groups/:id/members/:memberId/$ref`, { schema: { params: MemberParams } }, async (request, reply) => {
      const tenantId = tenantOf(request, GROUP_WRITE);
      await removeMember(deps, tenantId, request.params.id, request.params.memberId);
      return reply.code(204).send();
    });

    const evaluate = async (request: FastifyRequest, groupId: string | undefined, body: { memberId: string; membershipRule?: string }) => {
      const tenantId = tenantOf(request, GROUP_READ);
      const result = await evaluateMembership(deps.store, tenantId, groupId, body);
      return { '@odata.context': context(v, 'microsoft.graph.evaluateDynamicMembershipResult'), ...result };
    };
    app.post(`${p}/groups/:id/evaluateDynamicMembership`, { schema: { params: IdParams, body: EvaluateBody } }, (request) =>
      evaluate(request, request.params.id, request.body),
    );
    app.post(`${p}/groups/evaluateDynamicMembership`, { schema: { body: EvaluateBody } }, (request) => evaluate(request, undefined, request.body));

    const objectsOf = [
      { collection: 'devices', roles: DEVICE_READ, find: (tenantId: string, id: string) => getDevice(deps.store, tenantId, id) },
      { collection: 'users', roles: USER_READ, find: (tenantId: string, id: string) => getUser(deps.store, tenantId, id) },
    ];
    for (const { collection, roles, find } of objectsOf) {
      for (const navigation of ['memberOf', 'transitiveMemberOf']) {
        // Every object a memberOf lists is a group, so the cast to one changes nothing.
        for (const path of [navigation, `${navigation}/microsoft.graph.group`]) {
          app.get(`${p}/${collection}/:id/${path}`, { schema: { params: IdParams } }, async (request) => {
            const tenantId = tenantOf(request, roles);
            const query = queryOf(request);
            const q = pageQuery(query, GROUP_SELECT);
            const object = await find(tenantId, request.params.id);
            const { items, next } = await listMemberOf(deps.store, tenantId, object.id, q, v);
            return {
              '@odata.context': context(v, path === navigation ? 'directoryObjects' : 'groups'),
              ...nextLink(v, `${collection}/${object.id}/${path}`, query, next),
              value: items,
            };
          });
          app.get(`${p}/${collection}/:id/${path}/$count`, { schema: { params: IdParams } }, async (request, reply) => {
            const tenantId = tenantOf(request, roles);
            plainCount(queryOf(request), request.headers.consistencylevel);
            const object = await find(tenantId, request.params.id);
            return reply.type('text/plain; charset=utf-8').send(String(await deps.store.countMemberOf(tenantId, object.id)));
          });
        }
      }
    }

    app.post(`${p}/subscriptions`, { bodyLimit: 16 * 1024, schema: { body: SubscriptionBody } }, async (request, reply) => {
      const caller = subscriptionCaller(request);
      const record = await createSubscription(deps.store, deps.fetch, caller, request.body as SubscriptionRequest, deps.now());
      return reply.code(201).send({ '@odata.context': context(v, 'subscriptions/$entity'), ...graphSubscription(record) });
    });

    app.get(`${p}/subscriptions`, { preValidation: refuseFilter }, async (request) => {
      const caller = subscriptionCaller(request);
      const list = await deps.store.listSubscriptions(caller.tenantId, caller.appId);
      return { '@odata.context': context(v, 'subscriptions'), value: list.map(graphSubscription) };
    });

    app.get(`${p}/subscriptions/:id`, { schema: { params: IdParams } }, async (request) => {
      const s = await ownSubscription(deps.store, subscriptionCaller(request), request.params.id);
      return { '@odata.context': context(v, 'subscriptions/$entity'), ...graphSubscription(s) };
    });

    app.patch(`${p}/subscriptions/:id`, { schema: { params: IdParams, body: RenewBody } }, async (request) => {
      const s = await renewSubscription(deps.store, subscriptionCaller(request), request.params.id, request.body.expirationDateTime, deps.now());
      return { '@odata.context': context(v, 'subscriptions/$entity'), ...graphSubscription(s) };
    });

    app.delete(`${p}/subscriptions/:id`, { schema: { params: IdParams } }, async (request, reply) => {
      const s = await ownSubscription(deps.store, subscriptionCaller(request), request.params.id);
      await deps.store.deleteSubscription(s.id);
      return reply.code(204).send();
    });
  }
}

function groupListQueryForSelect(query: Record<string, string | undefined>): string[] | undefined {
  return pageQuery(Object.fromEntries(Object.entries(query).filter(([k]) => k.toLowerCase() === '$select')), GROUP_SELECT).select;
}
