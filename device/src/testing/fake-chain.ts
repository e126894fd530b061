/**
 * Stand-ins for the three services, speaking chain.md on the wire with deliberately unusual
 * paths: the device can only reach them by following the URLs each answer names. Used by the
 * agent's tests until (and beside) the end-to-end tests against the real services.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import {
  certificateDerBase64,
  createApp,
  ensureLocalTls,
  generateCertificateAuthority,
  graphErrorBody,
  signPublicKey,
  thumbprint,
  verifyCsr,
  isIssuedBy,
  type KeyAndCert,
} from '@baton/kit';
import { DEVICE_AGENT_CLIENT_ID, DEVICE_JWT_BEARER_GRANT, DRS_RESOURCE, JOIN_CSR_COMMON_NAME, MDM_RESOURCE } from '@baton/contracts';
import {
  TOKEN,
  buildDiscoverResponse,
  buildGetPoliciesResponse,
  buildProvisioningDoc,
  buildRequestSecurityTokenResponse,
  buildSoapFault,
  buildSyncML,
  parseDiscoverRequest,
  parseGetPoliciesRequest,
  parseRequestSecurityToken,
  parseSyncML,
  type SyncMLCommand,
} from '@baton/protocols';
import type { RecordedRequest } from './fake-fetch.js';

export interface FakeRequest extends RecordedRequest {
  /** The TLS client certificate, when the connection presented one. */
  peer?: { subjectCN: string; authorized: boolean; resumed: boolean };
}

export interface FakeAnswer {
  status?: number;
  contentType?: string;
  body?: string;
}

export type FakeService = (req: FakeRequest) => Promise<FakeAnswer> | FakeAnswer;

const json = (body: unknown, status = 200): FakeAnswer => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
const soap = (body: string, status = 200): FakeAnswer => ({ status, contentType: 'application/soap+xml; charset=utf-8', body });
const pathOf = (url: string) => new URL(url).pathname;

export const TENANT_ID = '5f0c1d9e-8a2b-4c7d-9e1f-2a3b4c5d6e7f';
export const USER = { upn: 'adele@demo.baton.local', password: 'correct horse' };

export interface DiscoveryBehaviour {
  /** Graph error to answer with instead of a profile. */
  error?: { status: number; code: string };
  identityBase?: string;
}

export function fakeDiscovery(behaviour: () => DiscoveryBehaviour): FakeService {
  return (req) => {
    const b = behaviour();
    if (req.method !== 'POST' || pathOf(req.url) !== '/ztd/v1/lookup') return json(graphErrorBody('NotFound', 'no route', 'r'), 404);
    if (b.error) return json(graphErrorBody(b.error.code, 'Fake discovery refused the device.', 'req-1'), b.error.status);
    const body = JSON.parse(req.body) as { hardwareHash?: string; serialNumber?: string };
    return json({
      ztdId: 'ztd-7d1e',
      serialNumber: body.serialNumber,
      deploymentProfile: {
        id: 'profile-1',
        displayName: 'Sales',
        deviceUsageType: 'singleUser',
        configuration: { CloudAssignedDeviceName: 'DEMO-%SERIAL%', CloudAssignedTenantId: TENANT_ID, CloudAssignedTenantDomain: 'demo.baton.local' },
      },
      branding: { companyName: 'Contoso (demo)' },
      identity: {
        tenantId: TENANT_ID,
        tenantDomain: 'demo.baton.local',
        authority: `${b.identityBase}/tenants-here/${TENANT_ID}`,
        deviceRegistrationDiscoveryUrl: `${b.identityBase}/drs-odd/${TENANT_ID}/where-to-join`,
      },
    });
  };
}

export interface IdentityBehaviour {
  /** Conditional access refuses device-bound requests for this resource (AADSTS53000, nothing rotated). */
  refuseResource?: string;
}

export function fakeIdentity(base: () => string, managementBase: () => string, deviceCa: KeyAndCert, behaviour: () => IdentityBehaviour = () => ({})): FakeService {
  const issued = new Map<string, string>();
  // Refresh tokens rotate at every device-bound use, as identity's do: the old one dies.
  const liveRefreshTokens = new Set<string>();
  let rotations = 0;
  return async (req) => {
    const path = pathOf(req.url);
    if (req.method === 'GET' && path === `/tenants-here/${TENANT_ID}/v2.0/.well-known/openid-configuration`) {
      return json({ issuer: `${base()}/tenants-here/${TENANT_ID}/v2.0`, token_endpoint: `${base()}/tokens-odd/${TENANT_ID}` });
    }
    if (req.method === 'POST' && path === `/tokens-odd/${TENANT_ID}`) {
      const form = new URLSearchParams(req.body);
      if (form.get('grant_type') === 'password') {
        if (form.get('client_id') !== DEVICE_AGENT_CLIENT_ID || form.get('scope') !== `${DRS_RESOURCE}/.default openid offline_access`) {
          return json({ error: 'invalid_client', error_description: 'unexpected client or scope' }, 400);
        }
        if (form.get('username') !== USER.upn || form.get('password') !== USER.password) {
          return json({ error: 'invalid_grant', error_description: 'AADSTS50126: Error validating credentials.' }, 400);
        }
        const refreshToken = `user-rt-${++rotations}`;
        liveRefreshTokens.add(refreshToken);
        return json({ token_type: 'Bearer', access_token: 'user-drs-token', refresh_token: refreshToken, id_token: 'id', expires_in: 3600 });
      }
      if (form.get('grant_type') === DEVICE_JWT_BEARER_GRANT) {
        const request = form.get('request') ?? '';
        const x5c = decodeProtectedHeader(request).x5c ?? [];
        const certPem = `-----BEGIN CERTIFICATE-----\n${x5c[0]}\n-----END CERTIFICATE-----`;
        if (!isIssuedBy(certPem, deviceCa.certPem)) return json({ error: 'invalid_grant', error_description: 'device certificate not issued by the tenant' }, 400);
        const { payload } = await jwtVerify(request, await importX509(certPem, 'RS256'));
        const scope = String(payload.scope);
        if (!liveRefreshTokens.has(String(payload.refresh_token)) || !scope.endsWith('/.default')) return json({ error: 'invalid_grant', error_description: 'bad refresh token' }, 400);
        const resource = scope.slice(0, -'/.default'.length);
        if (resource === behaviour().refuseResource) {
          return json({ error: 'interaction_required', error_description: 'AADSTS53000: Device is not in required device state: compliant.', error_codes: [53000] }, 400);
        }
        liveRefreshTokens.delete(String(payload.refresh_token));
        const refreshToken = `user-rt-${++rotations}`;
        liveRefreshTokens.add(refreshToken);
        const accessToken = resource === MDM_RESOURCE ? 'device-bound-token' : `device-bound-token for ${resource} (${x5c[0]!.slice(-12)})`;
        return json({ token_type: 'Bearer', access_token: accessToken, refresh_token: refreshToken, expires_in: 3600 });
      }
      return json({ error: 'unsupported_grant_type', error_description: 'nope' }, 400);
    }
    if (req.method === 'GET' && path === `/drs-odd/${TENANT_ID}/where-to-join`) {
      return json({ DeviceJoinService: { JoinEndpoint: `${base()}/drs-odd/${TENANT_ID}/join-here?api-version=2.0`, JoinResourceId: DRS_RESOURCE, ServiceVersion: '2.0' } });
    }
    if (req.method === 'POST' && path === `/drs-odd/${TENANT_ID}/join-here`) {
      if (req.headers.authorization !== 'Bearer user-drs-token') return json({ code: 'authorization_error', subcode: 'token', message: 'no token' }, 401);
      const body = JSON.parse(req.body);
      const csr = await verifyCsr(body.CertificateRequest.Data);
      if (csr.subject !== `CN=${JOIN_CSR_COMMON_NAME}` || body.JoinType !== 0 || body.DeviceType !== 'Windows' || body.ZtdId !== 'ztd-7d1e') {
        return json({ code: 'invalid_request', subcode: 'join', message: 'unexpected join request' }, 400);
      }
      const deviceId = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
      const certPem = await signPublicKey(deviceCa, csr.publicKey, { commonName: deviceId, validityDays: 365, usage: 'client' });
      issued.set(deviceId, certPem);
      return json({
        Certificate: { Thumbprint: thumbprint(certPem), RawBody: certificateDerBase64(certPem) },
        User: { Upn: USER.upn },
        MembershipChanges: [],
        DeviceId: deviceId,
        ObjectId: 'obj-1',
        MdmEnrollment: { appId: 'mdm-app', discoveryUrl: `${managementBase()}/enroll-odd/Discovery.svc`, resource: MDM_RESOURCE },
      });
    }
    return json({ error: 'not_found', error_description: `no ${req.method} ${path}` }, 404);
  };
}

export interface ManagementBehaviour {
  /** Subcode of a SOAP fault RequestSecurityToken answers with. */
  enrollmentFault?: 'invalidsecurity' | 'enrollmentserver';
  /** SyncHdr status the OMA-DM endpoint answers package 1 with. */
  headerStatus?: string;
}

export function fakeManagement(base: () => string, mdmCa: KeyAndCert, behaviour: () => ManagementBehaviour = () => ({})): FakeService {
  const sessions: string[] = [];
  return async (req) => {
    const path = pathOf(req.url);
    const b = behaviour();
    const expectedToken = Buffer.from('device-bound-token').toString('base64');
    if (path === '/enroll-odd/Discovery.svc') {
      if (req.method === 'GET') return { status: 200, body: '' };
      const discover = parseDiscoverRequest(req.body);
      return soap(
        buildDiscoverResponse({
          relatesTo: discover.messageId,
          authPolicy: discover.authPolicies.includes('Federated') ? 'Federated' : 'OnPremise',
          enrollmentVersion: '5.0',
          enrollmentPolicyServiceUrl: `${base()}/xcep-odd/Policy.svc`,
          enrollmentServiceUrl: `${base()}/wstep-odd/Enrollment.svc`,
        }),
      );
    }
    if (req.method === 'POST' && path === '/xcep-odd/Policy.svc') {
      const gp = parseGetPoliciesRequest(req.body);
      if (gp.binarySecurityToken?.value !== expectedToken || gp.binarySecurityToken.valueType !== TOKEN.jwt) {
        return soap(buildSoapFault({ code: 'Sender', subcode: 'invalidsecurity', reason: 'bad token', relatesTo: gp.messageId }), 401);
      }
      return soap(buildGetPoliciesResponse({ relatesTo: gp.messageId, validityPeriodSeconds: 31536000, renewalPeriodSeconds: 15552000 }));
    }
    if (req.method === 'POST' && path === '/wstep-odd/Enrollment.svc') {
      const rst = parseRequestSecurityToken(req.body);
      if (b.enrollmentFault) {
        return soap(buildSoapFault({ code: 'Sender', subcode: b.enrollmentFault, reason: 'Fake management refused the enrollment.', relatesTo: rst.messageId }), b.enrollmentFault === 'invalidsecurity' ? 401 : 400);
      }
      if (rst.headerToken?.value !== expectedToken) return soap(buildSoapFault({ code: 'Sender', subcode: 'invalidsecurity', reason: 'bad token' }), 401);
      const deviceId = rst.additionalContext.DeviceID ?? '';
      const csr = await verifyCsr(rst.binarySecurityToken.value);
      if (csr.subject !== `CN=${deviceId}`) return soap(buildSoapFault({ code: 'Sender', subcode: 'certificaterequest', reason: 'CN is not the DeviceID' }), 400);
      const certPem = await signPublicKey(mdmCa, csr.publicKey, { commonName: deviceId, validityDays: 365, usage: 'client' });
      const doc = buildProvisioningDoc({
        rootCaThumbprint: thumbprint(mdmCa.certPem),
        rootCaBase64: certificateDerBase64(mdmCa.certPem),
        clientCertThumbprint: thumbprint(certPem),
        clientCertBase64: certificateDerBase64(certPem),
        certStore: 'User',
        providerId: 'Baton',
        providerName: 'Baton (fake)',
        managementUrl: `${base()}/omadm-odd/session`,
        poll: {
          intervalForFirstSetOfRetriesMinutes: 1,
          numberOfFirstRetries: 0,
          intervalForSecondSetOfRetriesMinutes: 0,
          numberOfSecondRetries: 0,
          intervalForRemainingScheduledRetriesMinutes: 0,
          numberOfRemainingScheduledRetries: 0,
          pollOnLogin: true,
        },
      });
      return soap(buildRequestSecurityTokenResponse({ relatesTo: rst.messageId, provisioningDocXml: doc, requestId: '0', now: new Date() }));
    }
    if (req.method === 'POST' && path === '/omadm-odd/session') {
      const msg = parseSyncML(req.body);
      const trusted = req.peer?.authorized === true && req.peer.subjectCN === msg.header.source;
      const headerStatus = b.headerStatus ?? (trusted ? '200' : '401');
      sessions.push(msg.header.msgId);
      const commands: SyncMLCommand[] =
        msg.header.msgId === '1' && headerStatus === '200'
          ? [
              { kind: 'Get', cmdId: '2', items: [{ target: './DevDetail/SwV' }] },
              { kind: 'Get', cmdId: '3', items: [{ target: './DevDetail/Ext/Microsoft/DeviceName' }] },
            ]
          : [];
      return {
        contentType: 'application/vnd.syncml.dm+xml',
        body: buildSyncML({
          header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId: msg.header.sessionId, msgId: msg.header.msgId, target: msg.header.source, source: `${base()}/omadm-odd/session` },
          commands: [{ kind: 'Status', cmdId: '1', msgRef: msg.header.msgId, cmdRef: '0', cmd: 'SyncHdr', data: headerStatus }, ...commands],
          final: true,
        }),
      };
    }
    return { status: 404, body: '' };
  };
}

export interface FakeServer {
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

/** Serves a FakeService over HTTPS with kit's app factory, optionally asking for client certificates. */
export async function serveFake(service: FakeService, tls: { key: string; cert: string }, clientCa?: string): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const app = createApp({
    https: { key: tls.key, cert: tls.cert, ...(clientCa ? { requestCert: true, rejectUnauthorized: false, ca: [clientCa] } : {}) },
  });
  app.all('/*', async (request, reply) => {
    const raw = request.body;
    const contentType = String(request.headers['content-type'] ?? '');
    const body =
      typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : contentType.includes('form') ? new URLSearchParams(raw as Record<string, string>).toString() : JSON.stringify(raw);
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v ?? '')]));
    const req: FakeRequest = { url: `https://localhost${request.url}`, method: request.method, headers, body };
    const socket = request.raw.socket as TLSSocket;
    const peer = socket.getPeerCertificate?.();
    if (peer && peer.subject) req.peer = { subjectCN: String(peer.subject.CN ?? ''), authorized: socket.authorized, resumed: socket.isSessionReused() };
    requests.push(req);
    const answer = await service(req);
    reply.code(answer.status ?? 200);
    if (answer.contentType) reply.header('content-type', answer.contentType);
    return reply.send(answer.body ?? '');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  return { url: `https://localhost:${address.port}`, requests, close: () => app.close() };
}

export interface FakeChain {
  discovery: FakeServer;
  identity: FakeServer;
  management: FakeServer;
  caPem: string;
  discoveryBehaviour: DiscoveryBehaviour;
  managementBehaviour: ManagementBehaviour;
  identityBehaviour: IdentityBehaviour;
  close(): Promise<void>;
}

export async function startFakeChain(): Promise<FakeChain> {
  const dir = mkdtempSync(joinPath(tmpdir(), 'baton-device-'));
  const tls = await ensureLocalTls(dir);
  const deviceCa = await generateCertificateAuthority({ commonName: 'Fake device CA', validityDays: 30, algorithm: 'RSA' });
  const mdmCa = await generateCertificateAuthority({ commonName: 'Fake MDM CA', validityDays: 30, algorithm: 'RSA' });
  const discoveryBehaviour: DiscoveryBehaviour = {};
  const managementBehaviour: ManagementBehaviour = {};
  const identityBehaviour: IdentityBehaviour = {};
  let identityUrl = '';
  let managementUrl = '';
  const management = await serveFake(fakeManagement(() => managementUrl, mdmCa, () => managementBehaviour), tls, mdmCa.certPem);
  managementUrl = management.url;
  const identity = await serveFake(fakeIdentity(() => identityUrl, () => managementUrl, deviceCa, () => identityBehaviour), tls);
  identityUrl = identity.url;
  discoveryBehaviour.identityBase = identityUrl;
  const discovery = await serveFake(fakeDiscovery(() => discoveryBehaviour), tls);
  return {
    discovery,
    identity,
    management,
    caPem: tls.caPem,
    discoveryBehaviour,
    managementBehaviour,
    identityBehaviour,
    async close() {
      await Promise.all([discovery.close(), identity.close(), management.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
