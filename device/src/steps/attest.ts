/**
 * Step 2 of a self-deploying device, "Securing your hardware": TPM key attestation. The
 * device sends its EK and its AIK to identity (found in the device registration discovery
 * document discovery's answer named), recovers the challenge's secret with
 * TPM2_ActivateCredential and trades it for an AIK certificate. No user signs in.
 */
import type { AttestationActivateResponse, AttestationChallengeResponse, DeviceRegistrationDiscovery } from '@baton/contracts';
import { ChainError } from '../errors.js';
import { getJson, json, postJson, requireString, requireUrl, type DeviceHttp } from '../http.js';
import type { SimulatedTpm } from '../tpm.js';

export interface AttestInput {
  deviceRegistrationDiscoveryUrl: string;
  tpm: SimulatedTpm;
  /** How the TPM answers; a faulty one returns something else than what it recovered. */
  answer?: (recovered: Buffer) => Buffer;
}

export interface AttestFacts {
  /** The discovery document, which the join reuses. */
  drs: DeviceRegistrationDiscovery;
  tokenEndpoint: string;
  /** Base64 DER. */
  aikCertificate: string;
  ztdId: string;
}

export async function attest(http: DeviceHttp, input: AttestInput): Promise<AttestFacts> {
  const drs = json<DeviceRegistrationDiscovery>('identity', input.deviceRegistrationDiscoveryUrl, await getJson(http, 'identity', input.deviceRegistrationDiscoveryUrl));
  const challengeUrl = requireUrl('identity', 'DeviceAttestationService.ChallengeEndpoint', drs?.DeviceAttestationService?.ChallengeEndpoint);
  const activateUrl = requireUrl('identity', 'DeviceAttestationService.ActivateEndpoint', drs?.DeviceAttestationService?.ActivateEndpoint);
  const tokenEndpoint = requireUrl('identity', 'AuthenticationService.OAuth2.TokenEndpoint', drs?.AuthenticationService?.OAuth2?.TokenEndpoint);

  const challenge = json<AttestationChallengeResponse>(
    'identity',
    challengeUrl,
    await postJson(http, 'identity', challengeUrl, { EkPublicKey: input.tpm.ekPublicDer.toString('base64'), AikPublicKey: input.tpm.aikPublicDer.toString('base64') }),
  );
  const blob = Buffer.from(requireString('identity', 'CredentialBlob', challenge?.CredentialBlob), 'base64');
  const encryptedSecret = Buffer.from(requireString('identity', 'EncryptedSecret', challenge?.EncryptedSecret), 'base64');
  let recovered: Buffer;
  try {
    recovered = input.tpm.activateCredential(blob, encryptedSecret);
  } catch (error) {
    // The TPM refusing to activate means identity bound the credential to another key or EK.
    throw new ChainError('identity', 'tpm_activation_failed', `The TPM could not activate the credential: ${error instanceof Error ? error.message : String(error)}`);
  }
  const answer = input.answer ? input.answer(recovered) : recovered;
  const activated = json<AttestationActivateResponse>(
    'identity',
    activateUrl,
    await postJson(http, 'identity', activateUrl, { Challenge: requireString('identity', 'Challenge', challenge.Challenge), Secret: answer.toString('base64') }),
  );
  return {
    drs,
    tokenEndpoint,
    aikCertificate: requireString('identity', 'AikCertificate', activated?.AikCertificate),
    ztdId: requireString('identity', 'ZtdId', activated?.ZtdId),
  };
}
