// Run as its own process with NODE_EXTRA_CA_CERTS set, the way an administrator points the
// Microsoft Graph JS SDK at Baton: demo.json for credentials, the local CA for trust.
import { readFileSync } from 'node:fs';
import { adminAccessToken } from './admin-token.js';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';

const demo = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));

const token = () => adminAccessToken(demo);

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
