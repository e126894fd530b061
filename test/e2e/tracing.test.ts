// OpenTelemetry: with an OTLP endpoint configured, one device's provisioning is one trace
// across the three services, exported to the collector an administrator points Baton at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DISCOVERY_PATHS, MANAGEMENT_PATHS } from '@baton/contracts';
import { createHttpsFetch, testBackends } from '@baton/kit';
import { runFleet, seedDemo, type RunningBaton } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { startGroups } from './support.js';

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
}

/** An OTLP/HTTP (JSON) traces receiver: what a collector would be given. */
async function startCollector() {
  const spans: ExportedSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      assert.equal(req.url, '/v1/traces');
      const payload = JSON.parse(body) as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
          scopeSpans: Array<{ spans: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string }> }>;
        }>;
      };
      for (const rs of payload.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { spans, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const [backend] = testBackends();

test('one device, one trace: every service exports its spans under the device span, and handoffs link service to service', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  const baton = await startGroups(backend!, [['discovery'], ['identity'], ['management']], { otlpEndpoint: collector.url });
  let stopped = false;
  t.after(() => (stopped ? undefined : baton.stop()));
  const [discovery, identity] = baton.instances as [RunningBaton, RunningBaton, RunningBaton];
  const fetch = createHttpsFetch({ caPem: identity.caPem });
  const demo = await seedDemo({ dataDir: baton.dataDir, url: discovery.urls.discovery, urls: discovery.urls, caPath: identity.caPath, identity: identity.runtimes.identity as IdentityRuntime, fetch });
  await fetch.close();

  const { results } = await runFleet({ demo, caPem: identity.caPem, devices: 1, concurrency: 1, seed: 5 });
  assert.equal(results[0]!.managed, true, JSON.stringify(results[0]!.error));
  // Stopping flushes what each service still buffers.
  await baton.stop();
  stopped = true;

  const spans = collector.spans;
  const lookup = spans.find((s) => s.name === `POST ${DISCOVERY_PATHS.lookup}`);
  assert.ok(lookup, `no lookup span among ${spans.map((s) => s.name).join(', ')}`);
  const provisioning = spans.filter((s) => s.traceId === lookup.traceId);
  assert.deepEqual([...new Set(provisioning.map((s) => s.service))].sort(), ['baton-discovery', 'baton-identity', 'baton-management']);
  const device = lookup.parentSpanId;
  const ids = new Set(provisioning.map((s) => s.spanId));
  // One tree: every span hangs under the device's span or under another span of the trace.
  for (const s of provisioning) assert.ok(s.parentSpanId === device || ids.has(s.parentSpanId), `${s.service} ${s.name} is not in the tree`);
  const fromDevice = new Set(provisioning.filter((s) => s.parentSpanId === device).map((s) => s.name));
  for (const name of ['POST /:tenant/oauth2/v2.0/token', 'POST /enterpriseregistration/:tenant/EnrollmentServer/device', `POST ${MANAGEMENT_PATHS.enrollment}`, `POST ${MANAGEMENT_PATHS.omadm}`]) {
    assert.ok(fromDevice.has(name), `${name} missing from ${[...fromDevice].join(', ')}`);
  }
  // Calls between services continue the trace under the calling request's span: the
  // lookup asks identity for the device object and the tenant's organization.
  const bySpanId = new Map(provisioning.map((s) => [s.spanId, s]));
  const handoffs = provisioning.filter((s) => bySpanId.get(s.parentSpanId)?.service !== undefined && bySpanId.get(s.parentSpanId)!.service !== s.service);
  assert.ok(
    handoffs.some((s) => s.service === 'baton-identity' && bySpanId.get(s.parentSpanId)!.name === `POST ${DISCOVERY_PATHS.lookup}`),
    'no identity span under the lookup',
  );
});
