export { tpmName, TPM_ALG_SHA256 } from './name.js';
export { makeCredential, activateCredential, MAX_CREDENTIAL_BYTES, type MadeCredential } from './credential.js';
export {
  certifyKey,
  encodeCertifyAttest,
  parseAttestationData,
  attestationSignedBy,
  MAX_ATTESTATION_BYTES,
  type CertifyInfo,
  type ParsedAttestation,
} from './certify.js';
export { kdfa, kdfe } from './kdf.js';
