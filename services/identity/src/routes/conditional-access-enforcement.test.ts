/**
 * Conditional access decides at token issuance: a user token for a protected application
 * from a noncompliant device is refused with Entra's error, and issued as soon as the MDM
 * application reports the device compliant; the sign-in log shows both decisions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import {
  DEVICE_AGENT_CLIENT_ID,
  DEVICE_JWT_BEARER_GRANT,
  DRS_RESOURCE,
  GRAPH_RESOURCE,
  IDENTITY_PATHS,
  SERVICE_APP_IDS,
  type DeviceJoinResponse,
} from '@baton/contracts';
import { backends, deviceCsr, form, joinBody, newGuid, startIdentity, type RunningIdentity } from '../testing/harness.js';

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

for (const backend of backends()) {
  describe(`conditional access at token issuance (${backend.name})`, () => {
    let id: RunningIdentity;
    before(async () => {
      id = await startIdentity(backend);
    });
    after(async () => {
      await id?.close();
    });

    const post = (payload: Record<string, string>) =>
      id.app.inject({ method: 'POST', url: `/${id.tenantId}/oauth2/v2.0/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(payload) });

    async function appToken(clientId: string, clientSecret: string) {
      const res = await post({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: `${GRAPH_RESOURCE}/.default` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().access_token as string;
    }
    const adminToken = () => appToken(id.adminClientId, 'admin-app-secret-0123456789');

    async function userTokens(scope: string) {
      const res = await post({ grant_type: 'password', client_id: DEVICE_AGENT_CLIENT_ID, username: `admin@${id.domain}`, password: 'correct horse battery', scope });
      return res;
    }

    async function deviceGrant(privateKey: CryptoKey, certDerBase64: string, refreshToken: string, scope: string) {
      const now = Math.floor(Date.now() / 1000);
      const request = await new SignJWT({ client_id: DEVICE_AGENT_CLIENT_ID, grant_type: 'refresh_token', refresh_token: refreshToken, scope })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5c: [certDerBase64] })
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(privateKey);
      return post({ grant_type: DEVICE_JWT_BEARER_GRANT, request });
    }

    const graph = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: object) =>
      id.app.inject({ method, url: `/graph/v1.0/${path}`, headers: { authorization: `Bearer ${await adminToken()}` }, ...(body ? { payload: body } : {}) });

    test('a noncompliant device is refused a token for the protected app (AADSTS53000) and gets one within a second of management reporting compliance', async () => {
      const policy = await graph('POST', 'identity/conditionalAccess/policies', {
        displayName: 'Require a compliant device for Graph',
        state: 'enabled',
        conditions: {
          users: { includeUsers: ['All'] },
          applications: { includeApplications: [GRAPH_APP_ID] },
          clientAppTypes: ['all'],
        },
        grantControls: { operator: 'OR', builtInControls: ['compliantDevice'] },
      });
      assert.equal(policy.statusCode, 201, policy.body);
      const policyId = policy.json().id as string;
      try {
        // Join (the registerdevice user action is not targeted), then ask as the device.
        const keys = await deviceCsr();
        const joinToken = (await userTokens(`${DRS_RESOURCE}/.default offline_access`)).json();
        const joined = await id.app.inject({
          method: 'POST',
          url: `/enterpriseregistration/${id.tenantId}/EnrollmentServer/device/?api-version=2.0`,
          headers: { authorization: `Bearer ${joinToken.access_token}` },
          payload: joinBody(keys.csrBase64, { ZtdId: newGuid() }),
        });
        assert.equal(joined.statusCode, 200, joined.body);
        const device = joined.json() as DeviceJoinResponse;
        const graphScope = `${GRAPH_RESOURCE}/.default offline_access`;

        const refused = await deviceGrant(keys.keys.privateKey, device.Certificate.RawBody, joinToken.refresh_token, graphScope);
        assert.equal(refused.statusCode, 400, refused.body);
        assert.equal(refused.json().error, 'interaction_required');
        assert.deepEqual(refused.json().error_codes, [53000]);
        assert.equal(refused.json().access_token, undefined);

        // Without a device the same user cannot satisfy it either.
        const deviceless = await userTokens(graphScope);
        assert.deepEqual(deviceless.json().error_codes, [53000]);

        const reported = await id.app.inject({
          method: 'PUT',
          url: IDENTITY_PATHS.complianceState(device.DeviceId),
          headers: { authorization: `Bearer ${await appToken(SERVICE_APP_IDS.management, id.ctx.serviceCredentials.management.clientSecret)}` },
          payload: { isCompliant: true, isManaged: true, version: Date.now() * 1000 },
        });
        assert.equal(reported.statusCode, 200, reported.body);
        const reportedAt = performance.now();
        // The refused request did not burn the refresh token: the user can retry once compliant.
        const accepted = await deviceGrant(keys.keys.privateKey, device.Certificate.RawBody, joinToken.refresh_token, graphScope);
        const elapsed = performance.now() - reportedAt;
        assert.equal(accepted.statusCode, 200, accepted.body);
        assert.ok(elapsed < 1000, `accepted ${elapsed.toFixed(0)} ms after the report`);

        const admin = (await id.identity.store.findUserByUpn(id.tenantId, `admin@${id.domain}`))!;
        const log = await graph('GET', `auditLogs/signIns?$filter=userId eq '${admin.id}'&$top=10`);
        assert.equal(log.statusCode, 200, log.body);
        const entries = log.json().value as Array<{ status: { errorCode: number }; conditionalAccessStatus: string; appliedConditionalAccessPolicies: Array<{ id: string; result: string }>; deviceDetail: { deviceId: string } }>;
        const forPolicy = entries.filter((e) => e.appliedConditionalAccessPolicies.some((p) => p.id === policyId && p.result !== 'notApplied'));
        assert.equal(forPolicy[0]!.status.errorCode, 0, 'newest first: the accepted sign-in');
        assert.equal(forPolicy[0]!.conditionalAccessStatus, 'success');
        assert.equal(forPolicy[0]!.deviceDetail.deviceId, device.DeviceId);
        assert.ok(forPolicy.some((e) => e.status.errorCode === 53000 && e.conditionalAccessStatus === 'failure'));
      } finally {
        await graph('DELETE', `identity/conditionalAccess/policies/${policyId}`);
      }
    });

    test('block wins over grants; report-only policies are logged and never enforced', async () => {
      const block = await graph('POST', 'identity/conditionalAccess/policies', {
        displayName: 'Report-only block of everything',
        state: 'enabledForReportingButNotEnforced',
        conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] },
        grantControls: { operator: 'OR', builtInControls: ['block'] },
      });
      assert.equal(block.statusCode, 201, block.body);
      const scope = `${GRAPH_RESOURCE}/.default`;
      try {
        const allowed = await userTokens(scope);
        assert.equal(allowed.statusCode, 200, 'report-only does not enforce');
        const entry = (await graph('GET', 'auditLogs/signIns?$top=1')).json().value[0];
        assert.equal(entry.appliedConditionalAccessPolicies.find((p: { id: string }) => p.id === block.json().id).result, 'reportOnlyFailure');

        const enforced = await graph('POST', 'identity/conditionalAccess/policies', {
          displayName: 'Block Graph',
          state: 'enabled',
          conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [GRAPH_APP_ID] }, clientAppTypes: ['all'] },
          grantControls: { operator: 'OR', builtInControls: ['block'] },
        });
        try {
          const refused = await userTokens(scope);
          assert.equal(refused.statusCode, 400);
          assert.deepEqual(refused.json().error_codes, [53003]);
          // Other applications are not targeted.
          assert.equal((await userTokens(`${DRS_RESOURCE}/.default`)).statusCode, 200);
        } finally {
          await graph('DELETE', `identity/conditionalAccess/policies/${enforced.json().id}`);
        }
      } finally {
        await graph('DELETE', `identity/conditionalAccess/policies/${block.json().id}`);
      }
    });
  });
}
