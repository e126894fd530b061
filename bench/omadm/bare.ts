/**
 * The baseline child: a bare Fastify HTTPS endpoint with management's TLS settings that
 * parses the SyncML with @baton/protocols and answers a fixed Status + Get.
 */
import Fastify from 'fastify';
import { MANAGEMENT_PATHS } from '@baton/contracts';
import { tlsResumptionOptions } from '@baton/kit';
import { buildSyncML, parseSyncML, SYNCML_CONTENT_TYPE } from '@baton/protocols';
import { cpuHandler, profilerHandlers, serveIpc } from './ipc.js';

export async function serveBare(): Promise<void> {
  serveIpc({
    ...profilerHandlers(),
    cpu: cpuHandler,
    listen: async (args) => {
      const { key, cert, secretKey, serverUrl } = args as { key: string; cert: string; secretKey: string; serverUrl: string };
      const fixed = buildSyncML({
        header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId: '1', msgId: '1', target: 'device', source: serverUrl },
        commands: [
          { kind: 'Status', cmdId: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: '200' },
          { kind: 'Get', cmdId: '2', items: [{ target: './DevDetail/SwV' }] },
        ],
        final: true,
      });
      const https = { key, cert, requestCert: true, rejectUnauthorized: false, ...tlsResumptionOptions(Buffer.from(secretKey, 'hex')) };
      const bare = Fastify({ https, bodyLimit: 600 * 1024 });
      bare.addContentTypeParser(SYNCML_CONTENT_TYPE, { parseAs: 'string' }, (_req, body, done) => done(null, body));
      bare.post(MANAGEMENT_PATHS.omadm, async (req, reply) => {
        parseSyncML(req.body as string);
        return reply.type(SYNCML_CONTENT_TYPE).send(fixed);
      });
      await bare.listen({ port: 0, host: '127.0.0.1' });
      return `https://localhost:${(bare.server.address() as { port: number }).port}`;
    },
    stop: () => setImmediate(() => process.exit(0)),
  });
  process.send!({ ready: true });
}
