/**
 * BitLocker recovery passwords as Windows makes them: 48 digits in eight groups of six, each
 * group a random 16-bit value times 11 (so the recovery screen can check each group as it is
 * typed: divisible by 11, below 720896). The key protector id is a GUID.
 */
import { randomInt, randomUUID } from 'node:crypto';

export interface RecoveryPassword {
  /** The key protector id, shown on the recovery screen and escrowed with the password. */
  keyId: string;
  password: string;
}

export function newRecoveryPassword(keyId: string = randomUUID()): RecoveryPassword {
  const groups = Array.from({ length: 8 }, () => String(randomInt(0, 65536) * 11).padStart(6, '0'));
  return { keyId, password: groups.join('-') };
}
