/**
 * The pages a person sees: the authorization endpoint with its password and second-factor
 * steps, the device-code page, and logout. Failures answer with a page (never a 500),
 * and the browser is only ever sent to a redirect URI registered for the client.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TenantBranding, TenantRecord } from '../store/store.js';
import { issueAuthorizationCode, RedirectableError, UntrustedRequest, validateAuthorizationRequest } from '../domain/authorization.js';
import { approveDeviceCode, findPendingUserCode } from '../domain/device-flow.js';
import { InteractionExpired, openInteraction, sealInteraction, startInteraction, type Interaction } from '../domain/interaction.js';
import { endSession } from '../domain/logout.js';
import { checkPassword } from '../domain/password-signin.js';
import { cachedTenant } from '../domain/tenants.js';
import { confirmedTotp, verifySecondFactor } from '../domain/totp.js';
import type { IdentityRouteOptions } from './context.js';
import { formPostPage, noticePage, passwordPage, secondFactorPage, userCodePage } from './pages/forms.js';

const TenantParams = Type.Object({ tenant: Type.String({ minLength: 1, maxLength: 256 }) });
const Text = (max: number) => Type.Optional(Type.String({ maxLength: max }));
const AuthorizeQuery = Type.Object(
  {
    client_id: Text(256),
    response_type: Text(64),
    redirect_uri: Text(2048),
    scope: Text(4096),
    state: Text(2048),
    nonce: Text(512),
    code_challenge: Text(256),
    code_challenge_method: Text(16),
    response_mode: Text(32),
    prompt: Text(64),
    login_hint: Text(512),
  },
  { additionalProperties: Type.String({ maxLength: 4096 }) },
);
const PasswordForm = Type.Object({ ctx: Text(16_384), username: Text(512), password: Text(1024) });
const OtpForm = Type.Object({ ctx: Text(16_384), otp: Text(64) });
const UserCodeForm = Type.Object({ user_code: Text(64) });
const LogoutParams = Type.Object(
  { id_token_hint: Text(8192), post_logout_redirect_uri: Text(2048), state: Text(2048), logout_hint: Text(512) },
  { additionalProperties: Type.String({ maxLength: 4096 }) },
);

const FALLBACK_BRANDING: TenantBranding = { companyName: 'Baton' };
const PAGE_BODY_LIMIT = 32 * 1024;

/** Pages deny framing and caching, and allow forms to post only where the flow goes. */
function sendPage(reply: FastifyReply, status: number, html: string, formAction = "'self'") {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header(
      'content-security-policy',
      `default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    )
    .send(html);
}

class PageError extends Error {
  constructor(
    readonly statusCode: number,
    readonly title: string,
    message: string,
    readonly branding: TenantBranding = FALLBACK_BRANDING,
  ) {
    super(message);
  }
}

function pageErrorHandler(error: any, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof PageError) return sendPage(reply, error.statusCode, noticePage(error.branding, error.title, error.message));
  const status = typeof error?.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) request.log.error({ err: error }, 'sign-in page failure');
  const message = status === 500 ? 'Something went wrong. Try again.' : 'The request could not be read.';
  return sendPage(reply, status, noticePage(FALLBACK_BRANDING, 'Sign-in failed', message));
}

function redirectWith(uri: string, values: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(values)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

function formOrigin(uri: string): string {
  return new URL(uri).origin;
}

export const signinRoutes: FastifyPluginAsync<IdentityRouteOptions> = async (instance: FastifyInstance, { deps }) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(pageErrorHandler);

  const tenantOf = async (ref: string): Promise<TenantRecord> => {
    const tenant = await cachedTenant(deps, ref);
    if (!tenant) throw new PageError(400, 'Sign-in failed', `The organisation '${ref.slice(0, 100)}' was not found.`);
    return tenant;
  };
  const authorizePath = (tid: string) => `/${tid}/oauth2/v2.0/authorize`;
  const mfaPath = (tid: string) => `/${tid}/oauth2/v2.0/authorize/mfa`;
  const devicePath = (tid: string) => `/${tid}/oauth2/v2.0/devicelogin`;
  const passwordAction = (i: Interaction) => (i.kind === 'authorize' ? authorizePath(i.tid) : `${devicePath(i.tid)}/signin`);

  const opened = (tenant: TenantRecord, sealed: string | undefined, stage: Interaction['stage']) => {
    try {
      return openInteraction(deps, sealed, tenant.id, stage);
    } catch (error) {
      if (error instanceof InteractionExpired) {
        throw new PageError(400, 'Sign-in expired', 'This sign-in took too long or could not be read. Start again from the application.', tenant.branding);
      }
      throw error;
    }
  };

  /** The user is who they claim: hand the client its code, or release the waiting device. */
  const complete = async (reply: FastifyReply, tenant: TenantRecord, interaction: Interaction, userId: string, amr: string[]) => {
    const authTime = interaction.authTime ?? deps.now().toISOString();
    if (interaction.kind === 'device') {
      const approved = await approveDeviceCode(deps, interaction.codeHash, { userId, amr, authTime });
      if (!approved) throw new PageError(400, 'Code expired', 'This code was already used or has expired. Request a new code on your device.', tenant.branding);
      return sendPage(reply, 200, noticePage(tenant.branding, "You're signed in", 'You have signed in on your device. You can close this window.'));
    }
    const { request } = interaction;
    const code = await issueAuthorizationCode(deps, tenant, request, { userId, amr, authTime });
    const values = { code, state: request.state, iss: deps.urls.issuer(tenant.id) };
    if (request.responseMode === 'form_post') {
      const fields = Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
      return sendPage(reply, 200, formPostPage(tenant.branding, request.redirectUri, fields), formOrigin(request.redirectUri));
    }
    return reply.code(302).header('cache-control', 'no-store').redirect(redirectWith(request.redirectUri, values), 302);
  };

  app.get('/:tenant/oauth2/v2.0/authorize', { schema: { params: TenantParams, querystring: AuthorizeQuery } }, async (request, reply) => {
    const tenant = await tenantOf(request.params.tenant);
    try {
      const authorization = await validateAuthorizationRequest(deps, tenant, request.query as Record<string, string | undefined>);
      const interaction = startInteraction(deps, { kind: 'authorize', tid: tenant.id, request: authorization });
      return sendPage(reply, 200, passwordPage(tenant.branding, authorizePath(tenant.id), sealInteraction(deps, interaction), { username: authorization.loginHint }));
    } catch (error) {
      if (error instanceof UntrustedRequest) throw new PageError(400, 'Sign-in failed', error.message, tenant.branding);
      if (error instanceof RedirectableError) {
        return reply.redirect(
          redirectWith(error.redirectUri, { error: error.error, error_description: error.message, state: error.state, iss: deps.urls.issuer(tenant.id) }),
          302,
        );
      }
      throw error;
    }
  });

  const passwordStep = async (request: FastifyRequest<{ Params: { tenant: string }; Body: { ctx?: string; username?: string; password?: string } }>, reply: FastifyReply) => {
    const tenant = await tenantOf(request.params.tenant);
    const body = request.body ?? {};
    const interaction = opened(tenant, body.ctx, 'password');
    const again = (status: number, error: string) =>
      sendPage(reply, status, passwordPage(tenant.branding, passwordAction(interaction), body.ctx!, { error, username: body.username }));
    if (!body.username || !body.password) return again(400, 'Enter your username and password.');
    const outcome = await checkPassword(deps, tenant, body.username, body.password, request.ip);
    if (!outcome.ok) {
      switch (outcome.reason) {
        case 'rate_limited':
          reply.header('retry-after', String(outcome.retryAfterS));
          return again(429, `Too many sign-in attempts. Wait ${outcome.retryAfterS} seconds and try again.`);
        case 'locked':
          return again(400, 'Your account is temporarily locked to prevent unauthorized use. Try again later.');
        case 'disabled':
          return again(400, 'Your account has been disabled. Contact your administrator.');
        default:
          return again(400, 'Your account or password is incorrect.');
      }
    }
    const authTime = deps.now().toISOString();
    if (await confirmedTotp(deps, tenant.id, outcome.user.id)) {
      const next: Interaction = { ...interaction, stage: 'mfa', userId: outcome.user.id, authTime };
      return sendPage(reply, 200, secondFactorPage(tenant.branding, mfaPath(tenant.id), sealInteraction(deps, next)));
    }
    return complete(reply, tenant, { ...interaction, authTime }, outcome.user.id, ['pwd']);
  };

  const formRoute = { bodyLimit: PAGE_BODY_LIMIT, schema: { params: TenantParams, body: Type.Optional(PasswordForm) } };
  app.post('/:tenant/oauth2/v2.0/authorize', formRoute, passwordStep);
  app.post('/:tenant/oauth2/v2.0/devicelogin/signin', formRoute, passwordStep);

  app.post(
    '/:tenant/oauth2/v2.0/authorize/mfa',
    { bodyLimit: PAGE_BODY_LIMIT, schema: { params: TenantParams, body: Type.Optional(OtpForm) } },
    async (request, reply) => {
      const tenant = await tenantOf(request.params.tenant);
      const body = request.body ?? {};
      const interaction = opened(tenant, body.ctx, 'mfa');
      const userId = interaction.userId!;
      const again = (status: number, error: string) => sendPage(reply, status, secondFactorPage(tenant.branding, mfaPath(tenant.id), body.ctx!, error));
      const userKey = `${tenant.id}:${userId}`;
      const verdict = deps.signinLimits.userFailures.check(userKey);
      if (!verdict.allowed) {
        reply.header('retry-after', String(verdict.retryAfterS));
        return again(429, `Too many attempts. Wait ${verdict.retryAfterS} seconds and try again.`);
      }
      const lock = await deps.signin.lockout(tenant.id, userId);
      if (lock.lockedUntil && new Date(lock.lockedUntil) > deps.now()) {
        return again(400, 'Your account is temporarily locked to prevent unauthorized use. Try again later.');
      }
      const method = await confirmedTotp(deps, tenant.id, userId);
      if (!method || !body.otp || !(await verifySecondFactor(deps, method, body.otp))) {
        // Wrong codes count toward lockout like wrong passwords: 10^6 codes cannot be walked.
        deps.signinLimits.userFailures.hit(userKey);
        const policy = deps.signinLimits.policy;
        await deps.signin.recordFailure(tenant.id, userId, policy.lockAfter, new Date(deps.now().getTime() + policy.lockMinutes * 60_000).toISOString());
        return again(400, 'That code is not valid. Enter the current code from your authenticator app.');
      }
      await deps.signin.clearFailures(tenant.id, userId);
      return complete(reply, tenant, interaction, userId, ['pwd', 'mfa']);
    },
  );

  app.get('/:tenant/oauth2/v2.0/devicelogin', { schema: { params: TenantParams } }, async (request, reply) => {
    const tenant = await tenantOf(request.params.tenant);
    return sendPage(reply, 200, userCodePage(tenant.branding, devicePath(tenant.id)));
  });

  app.post(
    '/:tenant/oauth2/v2.0/devicelogin',
    { bodyLimit: PAGE_BODY_LIMIT, schema: { params: TenantParams, body: Type.Optional(UserCodeForm) } },
    async (request, reply) => {
      const tenant = await tenantOf(request.params.tenant);
      const found = await findPendingUserCode(deps, tenant, request.body?.user_code ?? '', request.ip);
      if (!found.ok) {
        if (found.reason === 'rate_limited') {
          reply.header('retry-after', String(found.retryAfterS));
          return sendPage(reply, 429, userCodePage(tenant.branding, devicePath(tenant.id), `Too many wrong codes. Wait ${found.retryAfterS} seconds and try again.`));
        }
        return sendPage(reply, 400, userCodePage(tenant.branding, devicePath(tenant.id), 'That code is not valid or has expired. Check the code on your device.'));
      }
      const interaction = startInteraction(deps, { kind: 'device', tid: tenant.id, codeHash: found.code.codeHash });
      return sendPage(reply, 200, passwordPage(tenant.branding, `${devicePath(tenant.id)}/signin`, sealInteraction(deps, interaction)));
    },
  );

  const logout = async (request: FastifyRequest<{ Params: { tenant: string }; Querystring: Record<string, string | undefined>; Body: unknown }>, reply: FastifyReply) => {
    const tenant = await tenantOf(request.params.tenant);
    const params = { ...(request.query ?? {}), ...((request.body as Record<string, string | undefined> | undefined) ?? {}) };
    const redirect = await endSession(deps, tenant, params.id_token_hint, params.post_logout_redirect_uri);
    if (redirect) return reply.code(302).redirect(redirectWith(redirect, { state: params.state }), 302);
    return sendPage(reply, 200, noticePage(tenant.branding, 'Signed out', 'You have signed out. You can close this window.'));
  };
  app.get('/:tenant/oauth2/v2.0/logout', { schema: { params: TenantParams, querystring: LogoutParams } }, logout);
  app.post('/:tenant/oauth2/v2.0/logout', { bodyLimit: PAGE_BODY_LIMIT, schema: { params: TenantParams, body: Type.Optional(LogoutParams) } }, logout);
};
