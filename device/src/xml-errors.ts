/** Error bodies management speaks in XML: MS-MDE2 SOAP faults. */
import { parseSoapFault } from '@baton/protocols';
import { ChainError, type ChainService } from './errors.js';

/** The SOAP fault in `body` as a ChainError whose code is the MS-MDE2 subcode, if there is one. */
export function soapFaultError(service: ChainService, status: number | undefined, body: string): ChainError | undefined {
  try {
    const fault = parseSoapFault(body);
    if (!fault) return undefined;
    return new ChainError(service, fault.subcode || fault.code || 'soap_fault', fault.reason || 'SOAP fault', status);
  } catch {
    return undefined;
  }
}
