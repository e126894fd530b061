/**
 * The device's TPM in software. Its endorsement key (ECC P-256, as TPM 2.0 ships an ECC EK
 * beside the RSA one) derives from the machine's seed, so a replayed fleet has the same EKs
 * and hence the same hardware hashes. The attestation key is made fresh in each TPM object,
 * like the AIK Windows creates during "Securing your hardware". The private keys never
 * leave this module: callers get ActivateCredential and Certify, as from a real TPM.
 */
import { createECDH, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { activateCredential, certifyKey, tpmName } from '@baton/protocols';

/** The order of P-256: a scalar must be below it. */
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

function endorsementScalar(seed: string): Buffer {
  let digest = createHash('sha256').update(`ek|${seed}`).digest();
  // Rejection sampling: a digest at or above the order (or zero) is hashed again.
  while (BigInt(`0x${digest.toString('hex')}`) >= P256_ORDER || digest.every((b) => b === 0)) {
    digest = createHash('sha256').update(digest).digest();
  }
  return digest;
}

/** The EK pair of the machine with this seed; the same seed always gives the same key. */
export function endorsementKey(seed: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const d = endorsementScalar(seed);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  const jwk = { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') };
  return {
    privateKey: createPrivateKey({ key: { ...jwk, d: d.toString('base64url') }, format: 'jwk' }),
    publicKey: createPublicKey({ key: jwk, format: 'jwk' }),
  };
}

/** Base64 DER SPKI of the machine's EK: the hardware hash's TpmEkPub. */
export function endorsementKeyPublicBase64(seed: string): string {
  return endorsementKey(seed).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
}

export class SimulatedTpm {
  private readonly ek: KeyObject;
  private readonly aik = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  readonly ekPublicDer: Buffer;
  readonly aikPublicDer: Buffer;
  readonly aikName: Buffer;

  constructor(endorsementSeed: string) {
    const ek = endorsementKey(endorsementSeed);
    this.ek = ek.privateKey;
    this.ekPublicDer = ek.publicKey.export({ format: 'der', type: 'spki' });
    this.aikPublicDer = this.aik.publicKey.export({ format: 'der', type: 'spki' });
    this.aikName = tpmName(this.aikPublicDer);
  }

  /** TPM2_ActivateCredential with the AIK as the activated object; throws when it was not made for it. */
  activateCredential(credentialBlob: Buffer, secret: Buffer): Buffer {
    return activateCredential(this.ek, this.aikName, credentialBlob, secret);
  }

  /** TPM2_Certify of a key by the AIK: MS-DVRJ's AttestationData. */
  certify(publicKeySpkiDer: Buffer, extraData: Buffer = Buffer.alloc(0)): Buffer {
    return certifyKey(this.aik.privateKey, { qualifiedSigner: this.aikName, extraData, certifiedName: tpmName(publicKeySpkiDer) });
  }
}
