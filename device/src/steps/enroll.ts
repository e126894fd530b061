/**
 * Step 5: MDM enrollment (MS-MDE2): probe and Discover at the URL identity named, then
 * GetPolicies (MS-XCEP) and RequestSecurityToken (MS-WSTEP) at the URLs Discover named,
 * authenticated by the device-bound token. The answer is a wap-provisioningdoc with the
 * MDM client certificate and the OMA-DM address.
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import {
  ProtocolParseError,
  SOAP_CONTENT_TYPE,
  TOKEN,
  buildDiscoverRequest,
  buildGetPoliciesRequest,
  buildRequestSecurityToken,
  parseDiscoverResponse,
  parseGetPoliciesResponse,
  parseProvisioningDoc,
  parseRequestSecurityTokenResponse,
} from '@baton/protocols';
import { signRenewalRequest } from '@baton/kit';
import { ChainError } from '../errors.js';
import { send, requireUrl, type DeviceHttp } from '../http.js';
import type { DeviceInventory } from '../inventory.js';
import { certificatePemFromBase64, createMdmCsr, generateDeviceKeyPair, privateKeyPem, publicKeySpkiBase64 } from '../keys.js';
import { soapFaultError } from '../xml-errors.js';

export interface EnrollInput {
  /** MdmEnrollment.discoveryUrl from the join answer. */
  discoveryUrl: string;
  /** Identity's device-bound access token (aud = MDM resource, carries deviceid). */
  deviceToken: string;
  /** The enrolling user; absent when the device enrolls alone (self-deploying, EnrollmentType Device). */
  upn?: string;
  inventory: DeviceInventory;
  mdmDeviceId: string;
  hwDevId: string;
  deviceName: string;
  /** Supplied by tests; a real device makes a new key for each enrollment. */
  mdmKeys?: CryptoKeyPair;
}

export interface EnrollFacts {
  authPolicy: string;
  enrollmentVersion: string;
  policyServiceUrl: string;
  enrollmentServiceUrl: string;
  /** ADDR of the w7 APPLICATION: where OMA-DM sessions go. */
  managementUrl: string;
  providerId: string;
  mdmCertificatePem: string;
  mdmKeyPem: string;
  rootCaPem?: string;
}

/** Windows sends this fixed MessageID on every Discover; servers must not treat it as a nonce. */
export const WINDOWS_DISCOVER_MESSAGE_ID = 'urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478';
export const REQUEST_VERSION = '5.0';
/** OSEdition 4: Windows Enterprise (PRODUCT_ENTERPRISE). */
const OS_EDITION = '4';
const DEVICE_TYPE = 'CIMClient_Windows';

/** The AdditionalContext items in the order Windows writes them. */
export function enrollmentContext(input: EnrollInput): Array<[string, string]> {
  const macs = input.inventory.macAddresses.map((m) => m.replace(/:/g, '-'));
  return [
    ['UXInitiated', 'false'],
    ['HWDevID', input.hwDevId],
    ['Locale', 'en-US'],
    ['TargetedUserLoggedIn', input.upn ? 'true' : 'false'],
    ['EnrollmentData', ''],
    ['OSEdition', OS_EDITION],
    ['DeviceName', input.deviceName],
    ['MAC', macs[0] ?? ''],
    ['MAC', macs[1] ?? macs[0] ?? ''],
    ['DeviceID', input.mdmDeviceId],
    ['EnrollmentType', input.upn ? 'Full' : 'Device'],
    ['DeviceType', DEVICE_TYPE],
    ['OSVersion', input.inventory.osBuild],
    ['ApplicationVersion', input.inventory.osBuild],
    ['NotInOobe', 'false'],
    ['RequestVersion', REQUEST_VERSION],
  ];
}

async function soap<T>(http: DeviceHttp, url: string, body: string, parse: (xml: string) => T): Promise<T> {
  const answer = await send(http, 'management', url, {
    method: 'POST',
    headers: { 'content-type': SOAP_CONTENT_TYPE, accept: SOAP_CONTENT_TYPE },
    body,
  });
  try {
    return parse(answer.text);
  } catch (err) {
    if (!(err instanceof ProtocolParseError)) throw err;
    // Some servers answer a fault with 200; report its subcode rather than "unreadable".
    throw soapFaultError('management', answer.status, answer.text) ??
      new ChainError('management', 'invalid_answer', `${url} answered with SOAP the device cannot read: ${err.message}`, answer.status);
  }
}

function messageId(): string {
  return `urn:uuid:${randomUUID()}`;
}

export async function enroll(http: DeviceHttp, input: EnrollInput): Promise<EnrollFacts> {
  const discoveryUrl = input.discoveryUrl;
  await send(http, 'management', discoveryUrl, { method: 'GET' });

  const discover = await soap(
    http,
    discoveryUrl,
    buildDiscoverRequest({
      messageId: WINDOWS_DISCOVER_MESSAGE_ID,
      to: discoveryUrl,
      emailAddress: input.upn ?? '',
      requestVersion: REQUEST_VERSION,
      deviceType: DEVICE_TYPE,
      applicationVersion: input.inventory.osBuild,
      osEdition: OS_EDITION,
      authPolicies: ['OnPremise', 'Federated'],
    }),
    parseDiscoverResponse,
  );
  const policyServiceUrl = requireUrl('management', 'EnrollmentPolicyServiceUrl', discover.enrollmentPolicyServiceUrl);
  const enrollmentServiceUrl = requireUrl('management', 'EnrollmentServiceUrl', discover.enrollmentServiceUrl);

  const token = { valueType: TOKEN.jwt, encodingType: TOKEN.base64Encoding, value: Buffer.from(input.deviceToken, 'utf8').toString('base64') };
  const policies = await soap(
    http,
    policyServiceUrl,
    buildGetPoliciesRequest({ messageId: messageId(), to: policyServiceUrl, binarySecurityToken: token }),
    parseGetPoliciesResponse,
  );
  if (policies.minimalKeyLength > 2048) {
    throw new ChainError('management', 'unsupported_policy', `The enrollment policy asks for ${policies.minimalKeyLength}-bit keys; the device makes 2048-bit keys.`);
  }

  const mdmKeys = input.mdmKeys ?? (await generateDeviceKeyPair());
  const csr = await createMdmCsr(mdmKeys, input.mdmDeviceId);
  const rstr = await soap(
    http,
    enrollmentServiceUrl,
    buildRequestSecurityToken({
      messageId: messageId(),
      to: enrollmentServiceUrl,
      headerToken: token,
      csrBase64: csr.base64,
      additionalContext: enrollmentContext(input),
    }),
    parseRequestSecurityTokenResponse,
  );

  let doc: ReturnType<typeof parseProvisioningDoc>;
  try {
    doc = parseProvisioningDoc(rstr.provisioningDocXml);
  } catch (err) {
    if (!(err instanceof ProtocolParseError)) throw err;
    throw new ChainError('management', 'invalid_answer', `The provisioning document cannot be read: ${err.message}`);
  }
  const managementUrl = requireUrl('management', 'APPLICATION ADDR', doc.application.addr);
  const clientCert = doc.clientCertificates[0];
  if (!clientCert) throw new ChainError('management', 'invalid_answer', 'The provisioning document carries no MDM client certificate.');
  let mdmCertificatePem: string;
  try {
    mdmCertificatePem = certificatePemFromBase64(clientCert.base64);
  } catch {
    throw new ChainError('management', 'invalid_answer', 'The MDM client certificate is not a DER certificate.');
  }
  await requireCertificateForKey(mdmCertificatePem, mdmKeys.publicKey);

  const facts: EnrollFacts = {
    authPolicy: discover.authPolicy,
    enrollmentVersion: discover.enrollmentVersion,
    policyServiceUrl,
    enrollmentServiceUrl,
    managementUrl,
    providerId: doc.application.providerId,
    mdmCertificatePem,
    mdmKeyPem: await privateKeyPem(mdmKeys.privateKey),
  };
  const root = doc.rootCertificates[0];
  if (root) {
    try {
      facts.rootCaPem = certificatePemFromBase64(root.base64);
    } catch {
      throw new ChainError('management', 'invalid_answer', 'The root certificate in the provisioning document is not a DER certificate.');
    }
  }
  return facts;
}

/** A certificate for someone else's key would fail only later, at the TLS handshake; say so now. */
async function requireCertificateForKey(certPem: string, publicKey: CryptoKey): Promise<void> {
  const certSpki = new X509Certificate(certPem).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  if (certSpki !== (await publicKeySpkiBase64(publicKey))) {
    throw new ChainError('management', 'certificate_mismatch', 'The MDM certificate does not certify the key the device sent in its CSR.');
  }
}

export interface RenewInput {
  enrollmentServiceUrl: string;
  mdmDeviceId: string;
  /** The current MDM certificate and key: presented on TLS (by the caller's fetch) and signing the request. */
  mdmCertificatePem: string;
  mdmKeyPem: string;
  osBuild: string;
  mdmKeys?: CryptoKeyPair;
}

/**
 * Automatic MDM certificate renewal (ROBO, Microsoft Learn "Certificate Renewal"): a new key
 * pair, its CSR wrapped in a PKCS#7 signed with the current certificate's key, sent as
 * wst:Renew to the enrollment service over TLS with the current certificate, no token. The
 * answer carries the new certificate.
 */
export async function renew(http: DeviceHttp, input: RenewInput): Promise<{ mdmCertificatePem: string; mdmKeyPem: string }> {
  const mdmKeys = input.mdmKeys ?? (await generateDeviceKeyPair());
  const csr = await createMdmCsr(mdmKeys, input.mdmDeviceId);
  const rstr = await soap(
    http,
    input.enrollmentServiceUrl,
    buildRequestSecurityToken({
      messageId: messageId(),
      to: input.enrollmentServiceUrl,
      csrBase64: signRenewalRequest(csr.der, input.mdmCertificatePem, input.mdmKeyPem),
      csrValueType: TOKEN.pkcs7,
      requestType: TOKEN.renew,
      additionalContext: [
        ['DeviceID', input.mdmDeviceId],
        ['DeviceType', DEVICE_TYPE],
        ['ApplicationVersion', input.osBuild],
      ],
    }),
    parseRequestSecurityTokenResponse,
  );
  let doc: ReturnType<typeof parseProvisioningDoc>;
  try {
    doc = parseProvisioningDoc(rstr.provisioningDocXml);
  } catch (err) {
    if (!(err instanceof ProtocolParseError)) throw err;
    throw new ChainError('management', 'invalid_answer', `The renewal document cannot be read: ${err.message}`);
  }
  const clientCert = doc.clientCertificates[0];
  if (!clientCert) throw new ChainError('management', 'invalid_answer', 'The renewal document carries no MDM client certificate.');
  let mdmCertificatePem: string;
  try {
    mdmCertificatePem = certificatePemFromBase64(clientCert.base64);
  } catch {
    throw new ChainError('management', 'invalid_answer', 'The renewed MDM certificate is not a DER certificate.');
  }
  await requireCertificateForKey(mdmCertificatePem, mdmKeys.publicKey);
  return { mdmCertificatePem, mdmKeyPem: await privateKeyPem(mdmKeys.privateKey) };
}
