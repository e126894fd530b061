/**
 * `POST …/importedWindowsAutopilotDeviceIdentities/importCsv`: Baton's extension taking the
 * CSV file the Intune portal takes, as raw bytes so the file's own encoding (UTF-16 from
 * Windows PowerShell, UTF-8, ANSI) decides how it reads.
 */
import type { FastifyPluginAsync } from 'fastify';
import { importCsv } from '../domain/csv-import.js';
import { discoveryErrors } from '../errors.js';
import { graphAuth, metadataContext, tenantOf, traceOf, type GraphRouteOptions } from './context.js';

/** Room for 100,000 rows of simulated hashes, or about 16,000 real 4K hashes. */
export const CSV_BODY_LIMIT = 64 * 1024 * 1024;

const CSV_TYPES = ['text/csv', 'application/octet-stream'];

export const importCsvRoutes: FastifyPluginAsync<GraphRouteOptions> = async (app, options) => {
  const { deps, publicUrl, version } = options;
  // The app-wide parser reads text/csv as UTF-8 text, which would garble UTF-16 and ANSI files.
  app.removeContentTypeParser(CSV_TYPES.filter((type) => app.hasContentTypeParser(type)));
  app.addContentTypeParser(CSV_TYPES, { parseAs: 'buffer', bodyLimit: CSV_BODY_LIMIT }, (_request, body, done) => done(null, body));
  app.addHook('preHandler', graphAuth(options.verifier));

  app.post('/deviceManagement/importedWindowsAutopilotDeviceIdentities/importCsv', { bodyLimit: CSV_BODY_LIMIT }, async (request) => {
    if (!Buffer.isBuffer(request.body)) {
      throw discoveryErrors.unsupportedMediaType(`Send the CSV file as ${CSV_TYPES.join(' or ')}.`);
    }
    if (request.body.length === 0) throw discoveryErrors.invalidRequest('The request body is empty; send the CSV file.');
    const result = await importCsv(deps, tenantOf(request), request.body, { traceParent: traceOf(request) });
    return {
      '@odata.context': metadataContext(publicUrl, version, 'Collection(microsoft.graph.importedWindowsAutopilotDeviceIdentity)'),
      importId: result.importId,
      encoding: result.encoding,
      variant: result.variant,
      warnings: result.warnings,
      summary: result.summary,
      value: result.rows.map((r) => ({
        row: r.row,
        serialNumber: r.serialNumber,
        ...(r.id ? { id: r.id } : {}),
        state: {
          deviceImportStatus: r.state.deviceImportStatus,
          deviceRegistrationId: r.state.deviceRegistrationId ?? '',
          deviceErrorCode: r.state.deviceErrorCode,
          deviceErrorName: r.state.deviceErrorName ?? '',
        },
        ...(r.message ? { message: r.message } : {}),
      })),
    };
  });
};
