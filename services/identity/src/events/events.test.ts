import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { DEVICE_AGENT_CLIENT_ID, DRS_RESOURCE, EVENT_FEED_PATHS, GRAPH_RESOURCE, type ChainEvent } from '@baton/contracts';
import { backends, deviceCsr, form, joinBody, startIdentity, type RunningIdentity } from '../testing/harness.js';

const newTrace = () => {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
};

for (const backend of backends()) {
  describe(`identity event feed (${backend.name})`, () => {
    let id: RunningIdentity;
    let adminToken: string;
    before(async () => {
      id = await startIdentity(backend);
      const res = await token({ grant_type: 'client_credentials', client_id: id.adminClientId, client_secret: 'admin-app-secret-0123456789', scope: `${GRAPH_RESOURCE}/.default` });
      assert.equal(res.statusCode, 200, res.body);
      adminToken = res.json().access_token;
    });
    after(() => id.close());

    function token(values: Record<string, string>, headers: Record<string, string> = {}) {
      return id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: form(values),
      });
    }

    const signIn = (password: string, traceparent: string) =>
      token(
        { grant_type: 'password', client_id: DEVICE_AGENT_CLIENT_ID, username: `admin@${id.domain}`, password, scope: `${DRS_RESOURCE}/.default openid offline_access` },
        { traceparent },
      );

    async function feed(query: string, bearer = adminToken) {
      const res = await id.app.inject({ method: 'GET', url: `${EVENT_FEED_PATHS.identity}${query}`, headers: { authorization: `Bearer ${bearer}` } });
      return { status: res.statusCode, body: res.json() as { value: ChainEvent[]; '@odata.nextLink'?: string; error?: { code: string } } };
    }

    test('a wrong password is recorded as a failed sign-in with the AADSTS code the device got, under its trace id', async () => {
      const trace = newTrace();
      const res = await signIn('not the password', trace.traceparent);
      assert.equal(res.statusCode, 400);
      const { status, body } = await feed(`?traceId=${trace.traceId}`);
      assert.equal(status, 200);
      assert.equal(body.value.length, 1);
      const [event] = body.value;
      assert.equal(event!.service, 'identity');
      assert.equal(event!.type, 'signIn');
      assert.equal(event!.phase, 'authentication');
      assert.equal(event!.outcome, 'failure');
      assert.equal(event!.errorCode, 'AADSTS50126');
      assert.equal(event!.userPrincipalName, `admin@${id.domain}`);
    });

    test('sign-in and join succeed under one trace; join names the device and its ZTDId', async () => {
      const trace = newTrace();
      const signedIn = await signIn('correct horse battery', trace.traceparent);
      assert.equal(signedIn.statusCode, 200, signedIn.body);
      const ztdId = randomUUID();
      const { csrBase64 } = await deviceCsr();
      const joined = await id.app.inject({
        method: 'POST',
        url: `/enterpriseregistration/${id.tenantId}/EnrollmentServer/device/?api-version=2.0`,
        headers: { authorization: `Bearer ${signedIn.json().access_token}`, traceparent: trace.traceparent },
        payload: joinBody(csrBase64, { ZtdId: ztdId }),
      });
      assert.equal(joined.statusCode, 200, joined.body);
      const deviceId = joined.json().DeviceId as string;

      const { body } = await feed(`?traceId=${trace.traceId}`);
      assert.deepEqual(
        body.value.map((e) => [e.type, e.outcome]),
        [
          ['join', 'success'],
          ['signIn', 'success'],
        ],
      );
      const byDevice = await feed(`?deviceId=${deviceId}`);
      assert.equal(byDevice.body.value.length, 1);
      assert.equal(byDevice.body.value[0]!.ztdId, ztdId);
      assert.equal((await feed(`?ztdId=${ztdId}`)).body.value[0]!.azureADDeviceId, deviceId);
    });

    test('a join refused for a weak key is a failure with the DRS subcode', async () => {
      const trace = newTrace();
      const signedIn = await signIn('correct horse battery', trace.traceparent);
      const { csrBase64 } = await deviceCsr({ modulusLength: 1024 });
      const joined = await id.app.inject({
        method: 'POST',
        url: `/enterpriseregistration/${id.tenantId}/EnrollmentServer/device/?api-version=2.0`,
        headers: { authorization: `Bearer ${signedIn.json().access_token}`, traceparent: trace.traceparent },
        payload: joinBody(csrBase64),
      });
      assert.equal(joined.statusCode, 400);
      const { body } = await feed(`?traceId=${trace.traceId}`);
      const join = body.value.find((e) => e.type === 'join');
      assert.equal(join?.outcome, 'failure');
      assert.equal(join?.errorCode, 'error_invalid_csr');
    });

    test('the feed pages newest first and refuses bad queries and missing tokens in the Graph envelope', async () => {
      const trace = newTrace();
      for (let i = 0; i < 3; i++) await signIn('wrong', trace.traceparent);
      const first = await feed(`?traceId=${trace.traceId}&$top=2`);
      assert.equal(first.body.value.length, 2);
      const next = first.body['@odata.nextLink']!;
      assert.match(next, /^https:\/\//);
      const second = await feed(new URL(next).search);
      assert.equal(second.body.value.length, 1);
      const ids = [...first.body.value, ...second.body.value].map((e) => e.id);
      assert.equal(new Set(ids).size, 3);
      assert.deepEqual([...ids].sort().reverse(), ids);

      for (const bad of ['?traceId=nothex', '?deviceId=1', '?$top=0', '?since=yesterday', '?$skiptoken=x', '?color=red']) {
        const res = await feed(bad);
        assert.equal(res.status, 400, bad);
        assert.ok(res.body.error?.code, bad);
      }
      const anonymous = await id.app.inject({ method: 'GET', url: EVENT_FEED_PATHS.identity });
      assert.equal(anonymous.statusCode, 401);
    });

    test("another tenant's admin reads none of this tenant's events", async () => {
      const other = await id.identity.bootstrapTenant({
        domain: `o${randomBytes(3).toString('hex')}.baton.test`,
        displayName: 'Other',
        branding: { companyName: 'Other', backgroundColor: '#000000' },
        admin: { upn: `admin@o.baton.test`, password: 'correct horse battery', displayName: 'Admin' },
        adminApp: { secret: 'other-admin-secret-0123456789', roles: ['Device.ReadWrite.All'] },
        mdmApp: { discoveryUrl: 'https://localhost:3/EnrollmentServer/Discovery.svc', termsOfUseUrl: 'https://localhost:3/tou', complianceUrl: 'https://localhost:3/c' },
      });
      const res = await id.app.inject({
        method: 'POST',
        url: `/${other.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ grant_type: 'client_credentials', client_id: other.adminClientId, client_secret: 'other-admin-secret-0123456789', scope: `${GRAPH_RESOURCE}/.default` }),
      });
      assert.equal(res.statusCode, 200, res.body);
      const { status, body } = await feed('?$top=1000', res.json().access_token);
      assert.equal(status, 200);
      assert.equal(body.value.length, 0);
    });
  });
}
