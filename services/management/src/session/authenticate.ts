/**
 * Who is on the other end of an OMA-DM message. The device proves itself with the MDM
 * client certificate management issued at enrollment, presented on the TLS handshake;
 * the certificate must chain to management's CA, be the enrollment's current one, and
 * belong to the device the message names in SyncHdr/Source.
 *
 * Newer Windows MDM stacks may not present the certificate at the TLS layer at all; the
 * fallback for them is the OMA-DM MD5 digest (SyncHdr Cred, syncml:auth-md5, with the
 * nonces from the provisioning document's APPAUTH), which is a later step. Until then such a
 * device gets a 407 and no commands.
 */
import { X509Certificate } from 'node:crypto';
import { isIssuedBy, thumbprint } from '@baton/kit';
import type { SyncMLMessage } from '@baton/protocols';
import type { Enrollment, ManagementStore } from '../store/store.js';

export type DeviceAuthentication =
  | { ok: true; enrollment: Enrollment }
  | { ok: false; status: '401' | '407'; reason: string };

/** The peer certificate of a TLS socket as PEM, or undefined when none was presented. */
export function peerCertificatePem(socket: unknown): string | undefined {
  const getPeer = (socket as { getPeerCertificate?: (detailed?: boolean) => { raw?: Buffer } | null } | undefined)?.getPeerCertificate;
  if (typeof getPeer !== 'function') return undefined;
  const peer = getPeer.call(socket, false);
  if (!peer?.raw || peer.raw.length === 0) return undefined;
  try {
    return new X509Certificate(peer.raw).toString();
  } catch {
    return undefined;
  }
}

export async function authenticateDevice(
  store: ManagementStore,
  caCertPem: string,
  message: SyncMLMessage,
  certPem: string | undefined,
): Promise<DeviceAuthentication> {
  if (!certPem) return { ok: false, status: '407', reason: 'no client certificate' };
  if (!isIssuedBy(certPem, caCertPem)) return { ok: false, status: '401', reason: 'certificate not issued by the MDM CA or expired' };
  const enrollment = await store.getEnrollmentByThumbprint(thumbprint(certPem));
  if (!enrollment) return { ok: false, status: '401', reason: 'certificate belongs to no current enrollment' };
  if (enrollment.mdmDeviceId !== message.header.source) {
    return { ok: false, status: '401', reason: 'certificate belongs to another device' };
  }
  if (enrollment.managementState === 'retired') return { ok: false, status: '401', reason: 'enrollment retired' };
  return { ok: true, enrollment };
}
