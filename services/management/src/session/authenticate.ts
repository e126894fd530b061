/**
 * Who is on the other end of an OMA-DM message. The device proves itself with the MDM
 * client certificate management issued at enrollment, presented on the TLS handshake;
 * the certificate must chain to management's CA, be the enrollment's current one, and
 * belong to the device the message names in SyncHdr/Source.
 *
 * Newer Windows MDM stacks may not present the certificate at the TLS layer. For them the
 * fallback is the OMA-DM MD5 digest (OMA-TS-DM_Security-V1_2, §5.3 "MD5 digest access
 * authentication"; SyncML Representation Protocol 1.2 §5.1.3 Cred and §5.1.4 Chal):
 *
 *   SyncHdr/Cred/Meta/Type = syncml:auth-md5, Format = b64,
 *   Data = B64(MD5(B64(MD5(name ":" secret)) ":" nonce))
 *
 * `name`/`secret` are the APPAUTH CLIENT AAUTHNAME/AAUTHSECRET of the provisioning
 * document (the secret stored sealed), and `nonce` is the nonce's raw bytes, whose base64
 * travels as AAUTHDATA at enrollment and afterwards as Chal/Meta/NextNonce. A message
 * with neither certificate nor Cred gets SyncHdr 407, a wrong Cred 401, both with a Chal
 * naming the nonce to use. An accepted Cred gets 212 and a fresh NextNonce: each nonce
 * authenticates one session, so a captured Cred cannot be replayed. Later messages of that
 * session may omit Cred (212 means "authenticated for the session"); they are accepted
 * only while that digest-authenticated session is open, and the session's MsgID rules
 * still apply.
 */
import { createHash, randomBytes, timingSafeEqual, type X509Certificate } from 'node:crypto';
import type { SecretBox } from '@baton/kit';
import { StatusCode, type SyncMLChal, type SyncMLMessage } from '@baton/protocols';
import { UNENROLLED_STATES, type Enrollment, type ManagementStore, type SessionDue } from '../store/store.js';
import { ClientCertificateVerifier } from './client-certificates.js';

export const AUTH_MD5 = 'syncml:auth-md5';

export type DeviceAuthentication =
  /** `due` was read with the enrollment: what its session has to do (see planSession). */
  | { ok: true; enrollment: Enrollment; method: 'certificate'; due: SessionDue }
  | { ok: true; enrollment: Enrollment; method: 'digest'; headerStatus?: string; chal?: SyncMLChal }
  | { ok: false; status: '401' | '407'; reason: string; chal?: SyncMLChal };

const md5 = (data: string | Buffer) => createHash('md5').update(data).digest();

/** The Cred Data a device computes (before base64) for these credentials and nonce. */
export function md5Digest(name: string, secret: string, nonceBase64: string): Buffer {
  const inner = md5(`${name}:${secret}`).toString('base64');
  return md5(Buffer.concat([Buffer.from(`${inner}:`, 'utf8'), Buffer.from(nonceBase64, 'base64')]));
}

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function md5Chal(nonceBase64: string): SyncMLChal {
  return { type: AUTH_MD5, format: 'b64', nextNonce: nonceBase64 };
}

export interface AuthenticateOptions {
  store: ManagementStore;
  /** The MDM CA's certificate, or a verifier built on it (which remembers what it verified). */
  caCertPem?: string;
  certificates?: ClientCertificateVerifier;
  secrets: SecretBox;
}

/**
 * Authenticates one message. `cert` is the TLS peer certificate (see peerCertificate), read
 * afresh for every message, resumed TLS session or not.
 */
export async function authenticateDevice(options: AuthenticateOptions, message: SyncMLMessage, cert: X509Certificate | string | undefined): Promise<DeviceAuthentication> {
  if (!cert) return authenticateDigest(options, message);
  const { store } = options;
  const verifier = options.certificates ?? new ClientCertificateVerifier(options.caCertPem!);
  const checked = verifier.check(cert);
  if (!checked.ok) {
    const reason =
      checked.reason === 'expired'
        ? `MDM certificate expired at ${checked.notAfter}`
        : checked.reason === 'notYetValid'
          ? `MDM certificate not valid before ${checked.notBefore}`
          : 'certificate not issued by the MDM CA';
    return { ok: false, status: '401', reason };
  }
  const thumbprint = checked.thumbprint;
  // The enrollment row decides whether the certificate is still the device's: a replaced,
  // renewed or retired certificate fails here even on a resumed TLS session.
  const found = await store.enrollmentOfCertificate(thumbprint);
  if (!found) return { ok: false, status: '401', reason: 'certificate belongs to no current enrollment' };
  const { enrollment, due } = found;
  if (enrollment.mdmDeviceId !== message.header.source) {
    return { ok: false, status: '401', reason: 'certificate belongs to another device' };
  }
  if (UNENROLLED_STATES.includes(enrollment.managementState)) return { ok: false, status: '401', reason: 'enrollment retired' };
  return { ok: true, enrollment, method: 'certificate', due };
}

async function authenticateDigest(options: AuthenticateOptions, message: SyncMLMessage): Promise<DeviceAuthentication> {
  const { store, secrets } = options;
  const candidates = await store.digestCandidates(message.header.source);
  // A device unknown here still gets a well-formed challenge, so the answer does not tell
  // an outsider which device ids are enrolled.
  const chal = md5Chal(candidates[0]?.credential.nonce ?? newNonce());
  const cred = message.header.cred;
  if (!cred) {
    for (const { enrollment } of candidates) {
      const session = await store.findSession(enrollment.id, message.header.sessionId);
      if (session && !session.ended && session.auth === 'digest') return { ok: true, enrollment, method: 'digest' };
    }
    return { ok: false, status: '407', reason: 'no client certificate and no credentials', chal };
  }
  if (cred.type !== AUTH_MD5 || (cred.format !== undefined && cred.format !== 'b64')) {
    return { ok: false, status: '401', reason: `credential type ${cred.type.slice(0, 64)} not accepted`, chal };
  }
  const presented = /^[A-Za-z0-9+/]{22}==$/.test(cred.data.trim()) ? Buffer.from(cred.data.trim(), 'base64') : undefined;
  if (!presented) return { ok: false, status: '401', reason: 'malformed digest', chal };
  for (const { enrollment, credential } of candidates) {
    const expected = md5Digest(credential.userName, secrets.openText(credential.secretSealed), credential.nonce);
    if (!timingSafeEqual(expected, presented)) continue;
    const next = newNonce();
    // Two messages racing with one nonce: only the first wins it.
    if (!(await store.rotateNonce(enrollment.id, credential.nonce, next))) break;
    return { ok: true, enrollment, method: 'digest', headerStatus: StatusCode.AuthenticationAccepted, chal: md5Chal(next) };
  }
  return { ok: false, status: '401', reason: 'digest does not match', chal };
}
