/**
 * Sign-in frequency, the conditional access session control: a refresh token descending
 * from an interactive sign-in older than the policy allows gets no tokens (AADSTS70044) and
 * the user must sign in again; report-only policies never interrupt.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICE_AGENT_CLIENT_ID, GRAPH_RESOURCE } from '@baton/contracts';
import { backends, form, startIdentity, type RunningIdentity } from '../testing/harness.js';

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const HOUR = 3_600_000;

for (const backend of backends()) {
  describe(`sign-in frequency (${backend.name})`, () => {
    let id: RunningIdentity;
    // Identity's clock, moved forward as hours pass for the user.
    let offsetMs = 0;
    before(async () => {
      id = await startIdentity(backend, { now: () => new Date(Date.now() + offsetMs) });
    });
    after(async () => {
      await id?.close();
    });

    const post = (payload: Record<string, string>) =>
      id.app.inject({ method: 'POST', url: `/${id.tenantId}/oauth2/v2.0/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(payload) });
    const scope = `${GRAPH_RESOURCE}/.default offline_access`;
    const signIn = () => post({ grant_type: 'password', client_id: DEVICE_AGENT_CLIENT_ID, username: `admin@${id.domain}`, password: 'correct horse battery', scope });
    const refresh = (refreshToken: string) => post({ grant_type: 'refresh_token', client_id: DEVICE_AGENT_CLIENT_ID, refresh_token: refreshToken, scope });

    async function graph(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: object) {
      const token = await post({ grant_type: 'client_credentials', client_id: id.adminClientId, client_secret: 'admin-app-secret-0123456789', scope: `${GRAPH_RESOURCE}/.default` });
      assert.equal(token.statusCode, 200, token.body);
      return id.app.inject({ method, url: `/graph/v1.0/${path}`, headers: { authorization: `Bearer ${token.json().access_token}` }, ...(body ? { payload: body } : {}) });
    }

    test('a refresh token redeemed after the frequency is refused without being burned; signing in again restores access', async () => {
      const created = await graph('POST', 'identity/conditionalAccess/policies', {
        displayName: 'Sign in to Graph every 4 hours',
        state: 'enabled',
        conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [GRAPH_APP_ID] }, clientAppTypes: ['all'] },
        sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 4 } },
      });
      assert.equal(created.statusCode, 201, created.body);
      const policyId = created.json().id as string;
      assert.deepEqual(created.json().sessionControls.signInFrequency, {
        isEnabled: true,
        type: 'hours',
        value: 4,
        authenticationType: 'primaryAndSecondaryAuthentication',
        frequencyInterval: 'timeBased',
      });
      try {
        const first = await signIn();
        assert.equal(first.statusCode, 200, first.body);

        offsetMs += 3 * HOUR;
        const silent = await refresh(first.json().refresh_token);
        assert.equal(silent.statusCode, 200, 'within four hours of the sign-in, refresh works');
        const rotated = silent.json().refresh_token as string;

        offsetMs += 2 * HOUR;
        const refused = await refresh(rotated);
        assert.equal(refused.statusCode, 400, refused.body);
        assert.equal(refused.json().error, 'invalid_grant');
        assert.deepEqual(refused.json().error_codes, [70044]);
        assert.equal(refused.json().access_token, undefined);

        const log = await graph('GET', 'auditLogs/signIns?$top=1');
        const entry = log.json().value[0] as {
          isInteractive: boolean;
          status: { errorCode: number };
          conditionalAccessStatus: string;
          appliedConditionalAccessPolicies: Array<{ id: string; enforcedSessionControls: string[] }>;
        };
        assert.equal(entry.isInteractive, false);
        assert.equal(entry.status.errorCode, 70044);
        assert.equal(entry.conditionalAccessStatus, 'failure');
        assert.deepEqual(entry.appliedConditionalAccessPolicies.find((p) => p.id === policyId)?.enforcedSessionControls, ['SignInFrequency']);

        // The user signs in again: the clock restarts from that sign-in.
        const again = await signIn();
        assert.equal(again.statusCode, 200, again.body);
        offsetMs += HOUR;
        assert.equal((await refresh(again.json().refresh_token)).statusCode, 200);

        // Report-only never interrupts; the refused token was not burned by the refusal.
        const patched = await graph('PATCH', `identity/conditionalAccess/policies/${policyId}`, { state: 'enabledForReportingButNotEnforced' });
        assert.equal(patched.statusCode, 204, patched.body);
        assert.equal((await refresh(rotated)).statusCode, 200);
      } finally {
        await graph('DELETE', `identity/conditionalAccess/policies/${policyId}`);
      }
    });
  });
}
