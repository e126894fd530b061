/**
 * Graph's error envelope `{error:{code,message,innerError:{"request-id",date}}}` read from any
 * answer, so every view shows what the service said, not just a status. Pure.
 */
export class GraphRequestError extends Error {
  override name = 'GraphRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export function graphErrorOf(status: number, text: string): GraphRequestError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = (body as { error?: unknown } | undefined)?.error;
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; message?: unknown; innerError?: { 'request-id'?: unknown } };
    const code = typeof e.code === 'string' ? e.code : `HTTP ${status}`;
    const message = typeof e.message === 'string' ? e.message : text.slice(0, 300);
    const requestId = typeof e.innerError?.['request-id'] === 'string' ? e.innerError['request-id'] : undefined;
    return new GraphRequestError(status, code, message, requestId);
  }
  // OAuth endpoints answer `{error: "invalid_grant", error_description}`.
  if (typeof error === 'string') {
    const description = (body as { error_description?: unknown }).error_description;
    return new GraphRequestError(status, error, typeof description === 'string' ? description : error);
  }
  return new GraphRequestError(status, `HTTP ${status}`, text.trim().slice(0, 300) || 'The service answered without a body.');
}

/** Anything thrown, as a code and a message a person can act on. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof GraphRequestError) return { code: error.code, message: error.requestId ? `${error.message} (request-id ${error.requestId})` : error.message };
  if (error instanceof Error) return { code: error.name, message: error.message };
  return { code: 'Error', message: String(error) };
}
