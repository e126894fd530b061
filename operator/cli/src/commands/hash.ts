/** `baton hash decode <base64>`: the fields inside an Autopilot 4K hardware hash. */
import { decodeHardwareHash } from '@baton/protocols';

export function hashDecode(value: string): void {
  const decoded = decodeHardwareHash(value.trim());
  process.stdout.write(JSON.stringify(decoded, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
}
