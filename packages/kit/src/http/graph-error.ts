/**
 * The Microsoft Graph error envelope. Graph clients (the JS SDK, PowerShell modules)
 * only treat a body as an error when `error` is present and read exactly these fields.
 */
export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { 'request-id': string; date: string; 'client-request-id'?: string };
  };
}

export class GraphError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export function graphErrorBody(code: string, message: string, requestId: string, clientRequestId?: string): GraphErrorBody {
  const innerError: GraphErrorBody['error']['innerError'] = {
    'request-id': requestId,
    date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
  };
  if (clientRequestId) innerError['client-request-id'] = clientRequestId;
  return { error: { code, message, innerError } };
}

export const graphErrors = {
  badRequest: (message: string) => new GraphError(400, 'BadRequest', message),
  invalidRequest: (message: string) => new GraphError(400, 'invalidRequest', message),
  unauthenticated: (message = 'Access token is missing or invalid.') =>
    new GraphError(401, 'InvalidAuthenticationToken', message, { 'www-authenticate': 'Bearer' }),
  forbidden: (message = 'Insufficient privileges to complete the operation.') =>
    new GraphError(403, 'Authorization_RequestDenied', message),
  notFound: (message: string) => new GraphError(404, 'ResourceNotFound', message),
  itemNotFound: (message: string) => new GraphError(404, 'itemNotFound', message),
  conflict: (message: string) => new GraphError(409, 'Conflict', message),
};
