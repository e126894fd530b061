/**
 * The device's keys. Windows keeps them in the TPM; here they are WebCrypto RSA-2048 keys,
 * exportable only because the OMA-DM client certificate has to be handed to the TLS stack
 * as PEM.
 */
import 'reflect-metadata';
import { webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { JOIN_CSR_COMMON_NAME } from '@baton/contracts';

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

export const RSA_SIGNING: RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

export function generateDeviceKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(RSA_SIGNING, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/**
 * Key pairs made ahead of a fleet run, each handed out once. A real device makes its keys in
 * its own TPM, on its own CPU; simulated devices sharing the services' cores would otherwise
 * measure RSA key generation instead of the services.
 */
export class KeyPool {
  private readonly pairs: CryptoKeyPair[];

  private constructor(pairs: CryptoKeyPair[]) {
    this.pairs = pairs;
  }

  static async generate(size: number): Promise<KeyPool> {
    // WebCrypto generates on libuv's thread pool, so these run on every core at once.
    return new KeyPool(await Promise.all(Array.from({ length: size }, () => generateDeviceKeyPair())));
  }

  get remaining(): number {
    return this.pairs.length;
  }

  /** The next unused pair; once the pool is spent, a freshly generated one. */
  take(): Promise<CryptoKeyPair> {
    const pair = this.pairs.pop();
    return pair ? Promise.resolve(pair) : generateDeviceKeyPair();
  }
}

export interface Csr {
  der: Uint8Array;
  /** Base64 DER, the form MS-DVRJ and MS-WSTEP carry. */
  base64: string;
  pem: string;
}

export async function createCsr(keys: CryptoKeyPair, commonName: string): Promise<Csr> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: RSA_SIGNING,
  });
  const der = new Uint8Array(csr.rawData);
  return { der, base64: Buffer.from(der).toString('base64'), pem: csr.toString('pem') };
}

/** The join CSR always carries the fixed CN Windows uses; identity names the device. */
export function createJoinCsr(keys: CryptoKeyPair): Promise<Csr> {
  return createCsr(keys, JOIN_CSR_COMMON_NAME);
}

export function createMdmCsr(keys: CryptoKeyPair, mdmDeviceId: string): Promise<Csr> {
  return createCsr(keys, mdmDeviceId);
}

export async function publicKeySpkiBase64(publicKey: CryptoKey): Promise<string> {
  return Buffer.from(await crypto.subtle.exportKey('spki', publicKey)).toString('base64');
}

export async function privateKeyPem(privateKey: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', privateKey), 'PRIVATE KEY');
}

/** PEM of a certificate given as base64 DER (how both identity and management return them). */
export function certificatePemFromBase64(derBase64: string): string {
  // node's parser: @peculiar/x509's builds an ASN.1 object tree only to print it again.
  return new X509Certificate(Buffer.from(derBase64, 'base64')).toString();
}

export { x509 };
