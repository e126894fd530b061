/**
 * Encryption at rest for secrets (client secrets, TOTP seeds, hardware hashes, private
 * keys): AES-256-GCM with a key from BATON_SECRET_KEY or <data>/secret.key, created on
 * first start. Sealed values are self-describing strings: v1.<iv>.<tag>.<ciphertext>.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SecretBox {
  seal(plaintext: string | Buffer): string;
  open(sealed: string): Buffer;
  openText(sealed: string): string;
  /** Keyed digest for looking a secret up without storing it in clear. */
  digest(value: string | Buffer): string;
}

export function loadSecretKey(dataDir: string, configured?: string): Buffer {
  if (configured) return createHash('sha256').update(configured).digest();
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'secret.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return key;
}

export function createSecretBox(key: Buffer, purpose = 'baton'): SecretBox {
  // Derive separate keys per purpose so one service's ciphertexts never open in another's.
  const encKey = createHmac('sha256', key).update(`enc:${purpose}`).digest();
  const macKey = createHmac('sha256', key).update(`mac:${purpose}`).digest();
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, iv, tag, ct] = sealed.split('.');
      if (version !== 'v1' || iv === undefined || tag === undefined || ct === undefined) throw new Error('not a sealed value');
      const decipher = createDecipheriv('aes-256-gcm', encKey, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
    },
    openText(sealed) {
      return this.open(sealed).toString('utf8');
    },
    digest(value) {
      return createHmac('sha256', macKey).update(value).digest('base64url');
    },
  };
}
