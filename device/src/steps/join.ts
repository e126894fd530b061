/**
 * Step 3: device join (MS-DVRD discovery, then MS-DVRJ). Identity answers with the device
 * certificate and names management: the identity → management handoff.
 */
import type { DeviceJoinRequest, DeviceJoinResponse, DeviceRegistrationDiscovery, ManagementHandoff } from '@baton/contracts';
import { ChainError } from '../errors.js';
import { getJson, json, postJson, requireString, requireUrl, type DeviceHttp } from '../http.js';
import type { SimulatedTpm } from '../tpm.js';
import { certificatePemFromBase64, createJoinCsr, generateDeviceKeyPair, publicKeySpkiBase64 } from '../keys.js';

export interface JoinInput {
  deviceRegistrationDiscoveryUrl: string;
  /** The user's token, audience DRS_RESOURCE; absent for a self-deploying device. */
  accessToken?: string;
  /** Self-deploying: the TPM evidence that authorises the join instead of a user. */
  attestation?: JoinAttestation;
  tenantDomain: string;
  osVersion: string;
  deviceDisplayName: string;
  ztdId: string;
  /** Supplied by tests; a real device makes a new key for each join. */
  deviceKeys?: CryptoKeyPair;
}

export interface JoinAttestation {
  tpm: SimulatedTpm;
  /** Base64 DER, from the attestation step. */
  aikCertificate: string;
  /** The discovery document the attestation step already read. */
  drs: DeviceRegistrationDiscovery;
}

export interface JoinFacts {
  joinEndpoint: string;
  deviceId: string;
  objectId: string;
  /** Base64 DER, as the x5c of device-signed requests carries it. */
  certificateBase64: string;
  certificatePem: string;
  deviceKeys: CryptoKeyPair;
  mdmEnrollment: ManagementHandoff;
  /** Where BitLocker recovery passwords are escrowed, when identity's discovery document names it. */
  keyEscrowEndpoint?: string;
}

export async function join(http: DeviceHttp, input: JoinInput): Promise<JoinFacts> {
  const discoveryUrl = input.deviceRegistrationDiscoveryUrl;
  const drs = input.attestation?.drs ?? json<DeviceRegistrationDiscovery>('identity', discoveryUrl, await getJson(http, 'identity', discoveryUrl));
  const joinEndpoint = requireUrl('identity', 'DeviceJoinService.JoinEndpoint', drs?.DeviceJoinService?.JoinEndpoint);

  const deviceKeys = input.deviceKeys ?? (await generateDeviceKeyPair());
  const csr = await createJoinCsr(deviceKeys);
  const body: DeviceJoinRequest = {
    CertificateRequest: { Type: 'pkcs10', Data: csr.base64 },
    // Windows sends a separate TPM-bound transport key; one key pair per device keeps the
    // simulator's cost at two RSA key generations per run.
    TransportKey: await publicKeySpkiBase64(deviceKeys.publicKey),
    TargetDomain: input.tenantDomain,
    DeviceType: 'Windows',
    OSVersion: input.osVersion,
    DeviceDisplayName: input.deviceDisplayName,
    JoinType: 0,
    ZtdId: input.ztdId,
  };
  if (input.attestation) {
    // The AIK cannot sign a PKCS#10 (it is restricted), so it certifies the join key instead.
    const spki = Buffer.from(await publicKeySpkiBase64(deviceKeys.publicKey), 'base64');
    body.AikCertificate = input.attestation.aikCertificate;
    body.AttestationData = input.attestation.tpm.certify(spki).toString('base64');
    body.Attributes = { SharedDevice: 'true' };
  }
  const headers: Record<string, string> = input.accessToken ? { authorization: `Bearer ${input.accessToken}` } : {};
  const answer = json<DeviceJoinResponse>('identity', joinEndpoint, await postJson(http, 'identity', joinEndpoint, body, headers));

  const certificateBase64 = requireString('identity', 'Certificate.RawBody', answer?.Certificate?.RawBody);
  let certificatePem: string;
  try {
    certificatePem = certificatePemFromBase64(certificateBase64);
  } catch {
    throw new ChainError('identity', 'invalid_answer', 'Certificate.RawBody is not a DER certificate.');
  }
  const mdm = answer.MdmEnrollment;
  if (!mdm || typeof mdm !== 'object') throw new ChainError('identity', 'invalid_answer', 'The join answer has no MdmEnrollment handoff.');
  return {
    joinEndpoint,
    deviceId: requireString('identity', 'DeviceId', answer.DeviceId),
    objectId: typeof answer.ObjectId === 'string' ? answer.ObjectId : '',
    certificateBase64,
    certificatePem,
    deviceKeys,
    mdmEnrollment: { ...mdm, discoveryUrl: requireUrl('identity', 'MdmEnrollment.discoveryUrl', mdm.discoveryUrl) },
    ...(drs?.DeviceManagementService?.BitLockerKeyEscrowEndpoint
      ? { keyEscrowEndpoint: requireUrl('identity', 'DeviceManagementService.BitLockerKeyEscrowEndpoint', drs.DeviceManagementService.BitLockerKeyEscrowEndpoint) }
      : {}),
  };
}
