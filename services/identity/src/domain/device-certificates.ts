/**
 * Device certificates as Entra issues them at join: CN = device id, client auth, and
 * the MS-DVRJ OIDs. Each OID's extension value is a DER OCTET STRING: for the GUIDs
 * (deviceId, tenantId, userObjectId) it holds the 16 GUID bytes in Windows' GUID byte
 * order (first three fields little-endian), which is how tools read Entra's certificates
 * (AADInternals takes bytes 2..17 of the raw value as a .NET Guid); for joinType it
 * holds the ASCII digit ("1" joined, "0" registered).
 */
import { DEVICE_CERT_OIDS } from '@baton/contracts';
import { signPublicKey, x509, type SecretBox, type SubjectKey } from '@baton/kit';
import type { TenantRecord } from '../store/store.js';

export interface DeviceCertificateFacts {
  deviceId: string;
  tenantId: string;
  /** Absent for a device joined without a user (self-deploying). */
  userObjectId?: string;
  joined: boolean;
}

export const DEVICE_CERT_VALIDITY_DAYS = 3650;

export function guidToWindowsBytes(guid: string): Uint8Array<ArrayBuffer> {
  const hex = guid.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  if (b.length !== 16) throw new Error(`not a GUID: ${guid}`);
  const out = new Uint8Array(16);
  out.set([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!]);
  out.set(b.subarray(8), 8);
  return out;
}

export function windowsBytesToGuid(bytes: Uint8Array): string {
  const b = bytes;
  const ordered = Buffer.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8, 16)]);
  const h = ordered.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function octetString(content: Uint8Array): Uint8Array<ArrayBuffer> {
  if (content.length > 127) throw new Error('octet string too long for short-form length');
  const out = new Uint8Array(content.length + 2);
  out[0] = 0x04;
  out[1] = content.length;
  out.set(content, 2);
  return out;
}

function octetStringContent(der: Uint8Array): Uint8Array | undefined {
  if (der.length < 2 || der[0] !== 0x04 || der[1]! > 127 || der[1] !== der.length - 2) return undefined;
  return der.subarray(2);
}

export function deviceCertificateExtensions(facts: DeviceCertificateFacts) {
  return [
    { oid: DEVICE_CERT_OIDS.deviceId, value: octetString(guidToWindowsBytes(facts.deviceId)) },
    ...(facts.userObjectId ? [{ oid: DEVICE_CERT_OIDS.userObjectId, value: octetString(guidToWindowsBytes(facts.userObjectId)) }] : []),
    { oid: DEVICE_CERT_OIDS.tenantId, value: octetString(guidToWindowsBytes(facts.tenantId)) },
    { oid: DEVICE_CERT_OIDS.joinType, value: octetString(new TextEncoder().encode(facts.joined ? '1' : '0')) },
  ];
}

/** Reads the MS-DVRJ facts back out of a device certificate (tests, diagnostics). */
export function readDeviceCertificate(certPem: string): Partial<DeviceCertificateFacts> {
  const cert = new x509.X509Certificate(certPem);
  const raw = (oid: string) => {
    const ext = cert.getExtension(oid);
    return ext ? octetStringContent(new Uint8Array(ext.value)) : undefined;
  };
  const guid = (oid: string) => {
    const v = raw(oid);
    return v?.length === 16 ? windowsBytesToGuid(v) : undefined;
  };
  const joinType = raw(DEVICE_CERT_OIDS.joinType);
  return {
    deviceId: guid(DEVICE_CERT_OIDS.deviceId),
    tenantId: guid(DEVICE_CERT_OIDS.tenantId),
    userObjectId: guid(DEVICE_CERT_OIDS.userObjectId),
    joined: joinType ? new TextDecoder().decode(joinType) === '1' : undefined,
  };
}

export async function issueDeviceCertificate(
  secrets: SecretBox,
  tenant: TenantRecord,
  publicKey: SubjectKey,
  facts: DeviceCertificateFacts,
): Promise<string> {
  return signPublicKey({ certPem: tenant.deviceCaCertPem, keyPem: secrets.openText(tenant.deviceCaKey) }, publicKey, {
    commonName: facts.deviceId,
    validityDays: DEVICE_CERT_VALIDITY_DAYS,
    usage: 'client',
    customExtensions: deviceCertificateExtensions(facts),
  });
}
