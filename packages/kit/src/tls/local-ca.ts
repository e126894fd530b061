/**
 * Baton's own local certificate authority for HTTPS. Created on first start in
 * <data>/tls; the server certificate is re-issued when the host names change or when
 * it is near expiry. Clients trust Baton with NODE_EXTRA_CA_CERTS=<data>/tls/ca.pem.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { generateCertificateAuthority, issueCertificate, type KeyAndCert } from '../pki/authority.js';

export interface ServerTls {
  key: string;
  cert: string;
  caPem: string;
  caPath: string;
}

const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

export async function ensureLocalTls(dataDir: string, hostnames: string[] = []): Promise<ServerTls> {
  const dir = join(dataDir, 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caPath = join(dir, 'ca.pem');
  const caKeyPath = join(dir, 'ca.key.pem');
  let ca: KeyAndCert;
  if (existsSync(caPath) && existsSync(caKeyPath)) {
    ca = { certPem: readFileSync(caPath, 'utf8'), keyPem: readFileSync(caKeyPath, 'utf8') };
  } else {
    ca = await generateCertificateAuthority({ commonName: 'Baton Local CA', validityDays: 3650 });
    writeFileSync(caKeyPath, ca.keyPem, { mode: 0o600 });
    writeFileSync(caPath, ca.certPem);
  }

  const names = [...new Set(['localhost', '127.0.0.1', '::1', ...hostnames])].sort();
  const certPath = join(dir, 'server.pem');
  const keyPath = join(dir, 'server.key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const current = readFileSync(certPath, 'utf8');
    if (coversNames(current, names) && new Date(new X509Certificate(current).validTo).getTime() - Date.now() > RENEW_BEFORE_MS) {
      return { key: readFileSync(keyPath, 'utf8'), cert: current, caPem: ca.certPem, caPath };
    }
  }
  const server = await issueCertificate(ca, {
    commonName: names.includes('localhost') ? 'localhost' : names[0]!,
    dnsNames: names.filter((n) => !isIP(n)),
    ipAddresses: names.filter((n) => isIP(n)),
    validityDays: 397,
    usage: 'server',
  });
  writeFileSync(keyPath, server.keyPem, { mode: 0o600 });
  writeFileSync(certPath, server.certPem);
  return { key: server.keyPem, cert: server.certPem, caPem: ca.certPem, caPath };
}

function coversNames(certPem: string, names: string[]): boolean {
  const san = new X509Certificate(certPem).subjectAltName ?? '';
  return names.every((n) => san.includes(isIP(n) ? `IP Address:${n === '::1' ? '0:0:0:0:0:0:0:1' : n}` : `DNS:${n}`));
}
