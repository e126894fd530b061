/**
 * A failure of one chain step, named the way an operator diagnoses it: which service
 * answered (or failed to) and the error code in that service's own protocol.
 */
export type ChainService = 'discovery' | 'identity' | 'management';

export class ChainError extends Error {
  override readonly name = 'ChainError';

  constructor(
    readonly service: ChainService,
    /** Graph envelope code, OAuth `error`, DRS code, SOAP subcode, SyncML status, or a transport code. */
    readonly code: string,
    message: string,
    /** HTTP status of the answer, when there was one. */
    readonly status?: number,
    /**
     * The identity platform's own code beneath the protocol's: `AADSTS50126` under OAuth's
     * `invalid_grant`, `error_invalid_csr` under a device join's `invalid_request`. It is the one
     * Windows logs and `baton diagnose` names, and the one that tells a wrong password from a
     * locked account.
     */
    readonly platformCode?: string,
  ) {
    super(message);
  }
}

/** Reads the error a JSON peer returned, in whichever shape it speaks. */
export function errorFromJson(service: ChainService, status: number, body: unknown): ChainError | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  // Graph envelope: {error:{code,message}}
  if (b.error && typeof b.error === 'object') {
    const e = b.error as Record<string, unknown>;
    if (typeof e.code === 'string') return new ChainError(service, e.code, String(e.message ?? e.code), status);
  }
  // DRS errors that carry the HRESULT Windows shows (TPM attestation: 0x801C03EA)
  if (typeof b.hresult === 'string' && /^0x[0-9A-F]{8}$/i.test(b.hresult)) {
    return new ChainError(service, b.hresult, String(b.message ?? b.hresult), status);
  }
  // OAuth 2.0 / Microsoft identity platform: {error, error_description}
  if (typeof b.error === 'string') {
    const [first] = Array.isArray(b.error_codes) ? (b.error_codes as unknown[]) : [];
    const platformCode = Number.isSafeInteger(first) && (first as number) > 0 ? `AADSTS${first as number}` : undefined;
    return new ChainError(service, b.error, String(b.error_description ?? b.error), status, platformCode);
  }
  // MS-DVRJ (DRS): {code, subcode, message}
  if (typeof b.code === 'string') {
    const subcode = typeof b.subcode === 'string' && b.subcode !== '' ? b.subcode : undefined;
    return new ChainError(service, b.code, `${String(b.message ?? b.code)}${subcode ? ` (${subcode})` : ''}`, status, subcode);
  }
  return undefined;
}

/** Maps a thrown fetch failure (refused, reset, timeout, abort) to a ChainError. */
export function transportError(service: ChainService, url: string, err: unknown): ChainError {
  if (err instanceof ChainError) return err;
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') {
    return new ChainError(service, e.name === 'TimeoutError' ? 'timeout' : 'aborted', `Request to ${url} was ${e.name === 'TimeoutError' ? 'timed out' : 'aborted'}.`);
  }
  const code = e?.cause?.code ?? e?.code ?? 'network_error';
  return new ChainError(service, code, `Request to ${url} failed: ${e?.cause?.message ?? e?.message ?? String(err)}`);
}
