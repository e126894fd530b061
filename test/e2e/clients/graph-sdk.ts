// Run as its own process with NODE_EXTRA_CA_CERTS set, the way an administrator points the
// Microsoft Graph JS SDK at Baton: demo.json for credentials, the local CA for trust.
import { readFileSync } from 'node:fs';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';

const demo = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));

async function token(): Promise<string> {
  const res = await fetch(`${demo.authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: demo.adminApp.clientId,
      client_secret: demo.adminApp.clientSecret,
      scope: 'https://graph.baton.local/.default',
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

const client = Client.initWithMiddleware({
  authProvider: { getAccessToken: token },
  baseUrl: `${demo.baseUrl}/graph/`,
  defaultVersion: 'beta',
  customHosts: new Set([new URL(demo.baseUrl).hostname]),
});

const out: Record<string, unknown> = {};
const profiles = await client.api('/deviceManagement/windowsAutopilotDeploymentProfiles').get();
out.profiles = profiles.value.map((p: { displayName: string }) => p.displayName);
const devices = await client.api('/deviceManagement/windowsAutopilotDeviceIdentities').top(2).get();
out.autopilotDevices = devices.value.length;
out.nextLink = devices['@odata.nextLink'] ?? null;
const managed = await client.api('/deviceManagement/managedDevices').version('v1.0').get();
out.managedStates = managed.value.map((d: { managementState: string }) => d.managementState);
const directory = await client.api('/devices').version('v1.0').get();
out.joined = directory.value.filter((d: { trustType: string }) => d.trustType === 'AzureAd').length;
try {
  await client.api('/deviceManagement/windowsAutopilotDeviceIdentities/00000000-0000-0000-0000-000000000000').get();
} catch (error) {
  const e = error as GraphError;
  out.error = { statusCode: e.statusCode, code: e.code, requestId: e.requestId };
}
process.stdout.write(JSON.stringify(out));
