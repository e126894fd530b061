/** What the management end-to-end tests deploy, shaped as an administrator sends it through Graph. */

type Graph = (path: string, init?: { method?: string; body?: unknown }) => Promise<any>;

/**
 * An MSI (`windowsMobileMSI`, product code `msiProductCode`) and a Win32 app with a file
 * detection rule, both assigned as required to `target`. Answers the two Graph apps.
 */
export async function createRequiredApps(graph: Graph, msiProductCode: string, target: Record<string, unknown>): Promise<{ agent: any; tools: any }> {
  const agent = await graph('beta/deviceAppManagement/mobileApps', {
    method: 'POST',
    body: { '@odata.type': '#microsoft.graph.windowsMobileMSI', displayName: 'Contoso Agent', productCode: msiProductCode, productVersion: '3.1.0', commandLine: '/quiet', fileName: 'agent.msi' },
  });
  const tools = await graph('beta/deviceAppManagement/mobileApps', {
    method: 'POST',
    body: {
      '@odata.type': '#microsoft.graph.win32LobApp',
      displayName: 'Contoso Tools',
      setupFilePath: 'install.cmd',
      installCommandLine: 'install.cmd',
      uninstallCommandLine: 'uninstall.cmd',
      detectionRules: [{ '@odata.type': '#microsoft.graph.win32LobAppFileSystemDetection', path: 'C:\\Program Files\\Contoso', fileOrFolderName: 'tools.exe', check32BitOn64System: false, detectionType: 'exists', operator: 'notConfigured', detectionValue: null }],
    },
  });
  for (const app of [agent, tools]) {
    await graph(`v1.0/deviceAppManagement/mobileApps/${app.id}/assign`, {
      method: 'POST',
      body: { mobileAppAssignments: [{ '@odata.type': '#microsoft.graph.mobileAppAssignment', intent: 'required', target }] },
    });
  }
  return { agent, tools };
}

/** Baton's baseline templates for BitLocker with Windows Firewall, and for Microsoft Defender. */
export const BASELINE_PROFILES = {
  protection: {
    '@odata.type': '#microsoft.graph.windows10EndpointProtectionConfiguration',
    displayName: 'Baseline: BitLocker and Windows Firewall',
    bitLockerEncryptDevice: true,
    firewallProfileDomain: { firewallEnabled: 'allowed' },
    firewallProfilePrivate: { firewallEnabled: 'allowed' },
    firewallProfilePublic: { firewallEnabled: 'allowed', inboundConnectionsBlocked: true },
  },
  defender: {
    '@odata.type': '#microsoft.graph.windows10GeneralConfiguration',
    displayName: 'Baseline: Microsoft Defender',
    defenderRequireRealTimeMonitoring: true,
    defenderRequireCloudProtection: true,
  },
};
