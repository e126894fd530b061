/**
 * TPM key attestation for self-deploying devices: `challenge` (EK and AIK in, MakeCredential
 * out) and `activate` (the recovered secret in, the AIK certificate out). No bearer token:
 * the TPM is the credential. Errors are DRS JSON with the HRESULT Windows shows (0x801C03EA).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { childTraceparent } from '@baton/kit';
import { drsErrors, TpmAttestationError } from '../errors.js';
import { activateAttestation, issueAttestationChallenge, type AttestationFacts } from '../domain/tpm-attestation.js';
import { findTenant } from '../domain/tenants.js';
import type { TenantRecord } from '../store/store.js';
import type { IdentityRouteOptions } from './context.js';
import { drsErrorHandler } from './drs.js';

const TenantParams = Type.Object({ tenant: Type.String({ minLength: 1, maxLength: 256 }) });
const Base64 = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9+/=_-]+$' });
const ChallengeBody = Type.Object({ EkPublicKey: Base64(4096), AikPublicKey: Base64(4096) }, { additionalProperties: true });
const ActivateBody = Type.Object({ Challenge: Type.String({ minLength: 1, maxLength: 4096 }), Secret: Base64(256) }, { additionalProperties: true });

export const ATTESTATION_ROUTES = {
  challenge: '/enterpriseregistration/:tenant/attestation/challenge',
  activate: '/enterpriseregistration/:tenant/attestation/activate',
} as const;

/** What the event observer records beside the answer: the refusal reason and the registration, when known. */
export const attestationFacts = new WeakMap<FastifyRequest, AttestationFacts & { reason?: string }>();

export const attestationRoutes: FastifyPluginAsync<IdentityRouteOptions> = async (instance: FastifyInstance, { deps }) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof TpmAttestationError) {
      const facts = attestationFacts.get(request) ?? {};
      attestationFacts.set(request, { ...facts, reason: error.reason });
    }
    return drsErrorHandler(error, request, reply);
  });

  const tenantOf = async (ref: string): Promise<TenantRecord> => {
    const tenant = await findTenant(deps.store, ref);
    if (!tenant) throw drsErrors.tenantNotFound(ref);
    return tenant;
  };

  app.post(ATTESTATION_ROUTES.challenge, { bodyLimit: 16 * 1024, schema: { params: TenantParams, body: ChallengeBody } }, async (request) => {
    const facts: AttestationFacts = {};
    attestationFacts.set(request, facts);
    const incoming = request.headers.traceparent;
    const traceparent = childTraceparent(typeof incoming === 'string' ? incoming : undefined);
    return issueAttestationChallenge(deps, await tenantOf(request.params.tenant), request.body, facts, traceparent);
  });

  app.post(ATTESTATION_ROUTES.activate, { bodyLimit: 16 * 1024, schema: { params: TenantParams, body: ActivateBody } }, async (request) => {
    const facts: AttestationFacts = {};
    attestationFacts.set(request, facts);
    return activateAttestation(deps, await tenantOf(request.params.tenant), request.body, facts);
  });
};
