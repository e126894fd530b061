/**
 * Graph's authentication methods of a user, for the TOTP second factor:
 * `/users/{id}/authentication/methods` (list) and `.../softwareOathMethods` (list, get,
 * delete, as Graph has them). Graph offers no API to enrol a software OATH token, so
 * Baton adds two: POST `.../softwareOathMethods` starts an enrolment (secretKey, the
 * otpauth:// URI and its QR code as SVG, recovery codes, all shown once) and POST `.../{methodId}/verify` with a
 * first code confirms it. A user manages their own methods; an application or
 * administrator needs UserAuthenticationMethod.ReadWrite.All or User.ReadWrite.All.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ROLES } from '@baton/contracts';
import { graphErrorHandler, refuseFilter, requireRole } from '@baton/kit';
import type { VerifiedAccess } from '../domain/access-tokens.js';
import { getUser } from '../domain/directory.js';
import { enrolTotp, verifySecondFactor } from '../domain/totp.js';
import { identityGraphErrors } from '../errors.js';
import type { TotpRecord } from '../store/signin-store.js';
import type { IdentityRouteOptions } from './context.js';
import { verifyGraphCaller } from './graph-caller.js';
import { GRAPH_VERSIONS } from '../domain/urls.js';

const METHOD_ADMIN = ['UserAuthenticationMethod.ReadWrite.All', ROLES.usersReadWrite, 'Directory.ReadWrite.All'];
/** Graph's fixed id of the password method. */
const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';

const UserParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
const MethodParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }), methodId: Type.String({ minLength: 1, maxLength: 64 }) });
const VerifyBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false });

function softwareOath(method: TotpRecord) {
  return { '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod', id: method.id, secretKey: null };
}

export const authenticationMethodRoutes: FastifyPluginAsync<IdentityRouteOptions> = async (instance: FastifyInstance, { deps }) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(graphErrorHandler);
  const access = new WeakMap<FastifyRequest, VerifiedAccess>();

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/graph/')) return;
    access.set(request, await verifyGraphCaller(deps, request));
  });

  /** The user whose methods are addressed: oneself, or anyone with the admin permission. */
  const target = async (request: FastifyRequest, id: string) => {
    const verified = access.get(request)!;
    const user = await getUser(deps.store, verified.tenant.id, id);
    if (!(verified.claims.idtyp === 'user' && verified.claims.oid === user.id)) requireRole(verified.claims, METHOD_ADMIN);
    return { tenant: verified.tenant, user };
  };
  const methodOf = async (tenantId: string, userId: string, methodId: string) => {
    const method = await deps.signin.findTotp(tenantId, userId);
    if (!method || method.id !== methodId.toLowerCase()) throw identityGraphErrors.objectNotFound(methodId);
    return method;
  };

  for (const version of GRAPH_VERSIONS) {
    const base = `/graph/${version}/users/:id/authentication`;

    app.get(`${base}/methods`, { preValidation: refuseFilter, schema: { params: UserParams } }, async (request) => {
      const { tenant, user } = await target(request, request.params.id);
      const method = await deps.signin.findTotp(tenant.id, user.id);
      return {
        '@odata.context': deps.urls.graph(`$metadata#users('${user.id}')/authentication/methods`, version),
        value: [
          { '@odata.type': '#microsoft.graph.passwordAuthenticationMethod', id: PASSWORD_METHOD_ID, password: null },
          ...(method?.confirmed ? [softwareOath(method)] : []),
        ],
      };
    });

    app.get(`${base}/softwareOathMethods`, { preValidation: refuseFilter, schema: { params: UserParams } }, async (request) => {
      const { tenant, user } = await target(request, request.params.id);
      const method = await deps.signin.findTotp(tenant.id, user.id);
      return {
        '@odata.context': deps.urls.graph(`$metadata#users('${user.id}')/authentication/softwareOathMethods`, version),
        value: method?.confirmed ? [softwareOath(method)] : [],
      };
    });

    app.get(`${base}/softwareOathMethods/:methodId`, { schema: { params: MethodParams } }, async (request) => {
      const { tenant, user } = await target(request, request.params.id);
      const method = await methodOf(tenant.id, user.id, request.params.methodId);
      if (!method.confirmed) throw identityGraphErrors.objectNotFound(request.params.methodId);
      return softwareOath(method);
    });

    app.post(`${base}/softwareOathMethods`, { schema: { params: UserParams } }, async (request, reply) => {
      const { tenant, user } = await target(request, request.params.id);
      const existing = await deps.signin.findTotp(tenant.id, user.id);
      if (existing?.confirmed) {
        throw identityGraphErrors.invalidValue('The user already has a software OATH method; delete it before enrolling another.');
      }
      const enrolment = await enrolTotp(deps, tenant, user);
      reply.code(201).header('cache-control', 'no-store');
      return {
        '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod',
        id: enrolment.method.id,
        secretKey: enrolment.secretKey,
        'otpauthUri@baton': enrolment.otpauthUri,
        'qrCodeSvg@baton': enrolment.qrCodeSvg,
        'recoveryCodes@baton': enrolment.recoveryCodes,
      };
    });

    app.post(
      `${base}/softwareOathMethods/:methodId/verify`,
      { bodyLimit: 4096, schema: { params: MethodParams, body: VerifyBody } },
      async (request, reply) => {
        const { tenant, user } = await target(request, request.params.id);
        const method = await methodOf(tenant.id, user.id, request.params.methodId);
        // Only an app's code confirms an enrolment; a recovery code would prove nothing about the app.
        if (!/^\d{6}$/.test(request.body.code.trim()) || !(await verifySecondFactor(deps, method, request.body.code))) {
          throw identityGraphErrors.invalidValue('The verification code is not valid.');
        }
        await deps.signin.confirmTotp(tenant.id, user.id);
        return reply.code(204).send();
      },
    );

    app.delete(`${base}/softwareOathMethods/:methodId`, { schema: { params: MethodParams } }, async (request, reply) => {
      const { tenant, user } = await target(request, request.params.id);
      await methodOf(tenant.id, user.id, request.params.methodId);
      await deps.signin.deleteTotp(tenant.id, user.id);
      return reply.code(204).send();
    });
  }
};
