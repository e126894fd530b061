/**
 * Client credentials of Baton's own service applications. Generated once per data
 * directory (mode 0600) and handed to identity, which validates them, and to each
 * service, which uses its own to call the others.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_APP_IDS, SERVICE_NAMES, type ServiceName } from '@baton/contracts';
import type { ServiceCredentials } from '@baton/kit';

export function loadServiceCredentials(dataDir: string): Record<ServiceName, ServiceCredentials> {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'service-credentials.json');
  const existing: Partial<Record<ServiceName, ServiceCredentials>> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const creds = {} as Record<ServiceName, ServiceCredentials>;
  let changed = !existsSync(file);
  for (const name of SERVICE_NAMES) {
    const current = existing[name];
    if (current?.clientId === SERVICE_APP_IDS[name] && typeof current.clientSecret === 'string' && current.clientSecret.length >= 32) {
      creds[name] = current;
    } else {
      creds[name] = { clientId: SERVICE_APP_IDS[name], clientSecret: randomBytes(32).toString('base64url') };
      changed = true;
    }
  }
  if (changed) writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
  return creds;
}
