/**
 * The MDM client certificate of an OMA-DM connection, and whether management issued it.
 *
 * Every message re-authenticates the device from its certificate, including on a resumed
 * TLS session, where Node reads the certificate of the original handshake from the
 * session (the client proved possession of its key then; a resumed session can only be
 * continued by the holder of that handshake's secrets). Checking the signature and the
 * validity dates of the same certificate on every poll is wasted work, so the outcome is
 * remembered per thumbprint. Only certificates that did chain to the MDM CA are
 * remembered, and only until they expire: an unknown certificate is checked (and
 * refused) every time, and anything that ends a certificate's use before it expires
 * (re-enrollment, renewal, retirement) is decided by the enrollment row, which the
 * caller reads on every message.
 */
import { X509Certificate } from 'node:crypto';

/** The peer's certificate on a TLS socket, without re-parsing it; undefined when none. */
export function peerCertificate(socket: unknown): X509Certificate | undefined {
  const getPeer = (socket as { getPeerX509Certificate?: () => X509Certificate | undefined } | undefined)?.getPeerX509Certificate;
  if (typeof getPeer !== 'function') return undefined;
  try {
    return getPeer.call(socket) ?? undefined;
  } catch {
    return undefined;
  }
}

/** The uppercase SHA-1 hex of the DER certificate, as Windows and the enrollment store write it. */
export function certificateThumbprint(cert: X509Certificate): string {
  return cert.fingerprint.replace(/:/g, '');
}

export type CertificateCheck =
  | { ok: true; thumbprint: string }
  | { ok: false; reason: 'untrusted' }
  | { ok: false; reason: 'expired'; notAfter: string }
  | { ok: false; reason: 'notYetValid'; notBefore: string };

interface Verified {
  notBefore: number;
  notAfter: number;
}

export class ClientCertificateVerifier {
  private readonly ca: X509Certificate;
  private readonly verified = new Map<string, Verified>();

  constructor(
    caCertPem: string,
    private readonly maxRemembered = 200_000,
  ) {
    this.ca = new X509Certificate(caCertPem);
  }

  /** The certificate's thumbprint when the MDM CA issued it and it is valid at `at`; otherwise undefined. */
  verify(cert: X509Certificate | string, at = new Date()): string | undefined {
    const checked = this.check(cert, at);
    return checked.ok ? checked.thumbprint : undefined;
  }

  /** As `verify`, saying why a certificate is refused: a device with an expired one needs telling so. */
  check(cert: X509Certificate | string, at = new Date()): CertificateCheck {
    let x509: X509Certificate;
    try {
      x509 = typeof cert === 'string' ? new X509Certificate(cert) : cert;
    } catch {
      return { ok: false, reason: 'untrusted' };
    }
    const thumbprint = certificateThumbprint(x509);
    const now = at.getTime();
    let known = this.verified.get(thumbprint);
    if (!known) {
      if (!this.issuedByCa(x509)) return { ok: false, reason: 'untrusted' };
      known = { notBefore: Date.parse(x509.validFrom), notAfter: Date.parse(x509.validTo) };
      // Oldest first out: the map keeps insertion order.
      if (this.verified.size >= this.maxRemembered) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(thumbprint, known);
    }
    if (now < known.notBefore) return { ok: false, reason: 'notYetValid', notBefore: new Date(known.notBefore).toISOString() };
    if (now > known.notAfter) {
      this.verified.delete(thumbprint);
      return { ok: false, reason: 'expired', notAfter: new Date(known.notAfter).toISOString() };
    }
    return { ok: true, thumbprint };
  }

  private issuedByCa(cert: X509Certificate): boolean {
    try {
      return cert.checkIssued(this.ca) && cert.verify(this.ca.publicKey);
    } catch {
      return false;
    }
  }
}
