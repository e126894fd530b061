/**
 * The hardware hash from discovery's side: turn what a client sent into bytes, decode it
 * with the shared codec, and derive the identity that binds a device to one tenant.
 */
import {
  ProtocolParseError,
  decodeHardwareHash,
  hardwareIdentity,
  normalizeBase64,
  requiredFieldsMissing,
  type DecodedHardwareHash,
} from '@baton/protocols';
import type { SecretBox } from '@baton/kit';

/**
 * Edm.Binary as clients really send it: whitespace from wrapped CSV cells and missing `=`
 * padding are common, so both are tolerated; anything else that is not base64 is refused.
 */
export function parseBase64Binary(input: string): Buffer | undefined {
  const normal = normalizeBase64(input);
  return normal === undefined ? undefined : Buffer.from(normal, 'base64');
}

export type HashReading =
  | {
      ok: true;
      decoded: DecodedHardwareHash;
      /** Keyed digest of the hardware identity: what finds the device again. */
      identityDigest: string;
      serialNumber?: string;
      manufacturer?: string;
      model?: string;
    }
  | { ok: false; reason: string };

export function readHardwareHash(bytes: Buffer, box: SecretBox): HashReading {
  let decoded: DecodedHardwareHash;
  try {
    decoded = decodeHardwareHash(bytes);
  } catch (error) {
    if (error instanceof ProtocolParseError) return { ok: false, reason: `${error.code}: ${error.message}` };
    throw error;
  }
  // The serial is judged by the caller: an import may supply it beside the hash (803 when neither has it).
  const missing = requiredFieldsMissing(decoded).filter((field) => field !== 'SmbiosSerial');
  if (missing.length > 0) return { ok: false, reason: `the hash lacks ${missing.join(', ')}` };
  return {
    ok: true,
    decoded,
    identityDigest: box.digest(hardwareIdentity(decoded)),
    serialNumber: decoded.smbiosSerial?.trim() || undefined,
    manufacturer: decoded.smbiosManufacturer?.trim() || undefined,
    model: decoded.smbiosProduct?.trim() || undefined,
  };
}
