/**
 * The EnterpriseDesktopAppManagement CSP's MSI installs on the simulated device. An Exec of
 * `MSI/{ProductID}/DownloadInstall` starts a job that runs in simulated time: it downloads,
 * then enforces, and ends in Status 70 (completed) or, for an app told to fail, 60 with the
 * installer's error in LastError. An app told to hang stays in enforcement forever, as an
 * installer waiting on a dialog nobody sees does.
 */
import { parseMsiInstallJob, ProtocolParseError } from '@baton/protocols';

/** How one app's installer behaves on this device (keyed by product code). */
export interface AppInstallBehaviour {
  /** The installer fails with this error (HRESULT, as LastError reports it: `0x80070643`). */
  errorCode?: string;
  hang?: boolean;
  /** Simulated time the install takes (default two minutes). */
  durationMs?: number;
}

export const MSI_STATUS = { initialized: 10, downloadInProgress: 20, enforcementInProgress: 50, enforcementFailed: 60, enforcementCompleted: 70 } as const;
const DEFAULT_DURATION_MS = 2 * 60_000;
const URI = /^\.\/(User\/)?Vendor\/MSFT\/EnterpriseDesktopAppManagement\/MSI\/([^/]+)(?:\/([A-Za-z]+))?$/;

interface Job {
  startedAt: number;
  behaviour: AppInstallBehaviour;
  version: string;
}

export function msiUri(uri: string): { key: string; productCode: string; leaf: string | undefined } | undefined {
  const m = URI.exec(uri);
  if (!m) return undefined;
  let productCode: string;
  try {
    productCode = decodeURIComponent(m[2]!).toUpperCase();
  } catch {
    return undefined;
  }
  return { key: `${m[1] ? 'user' : 'device'}:${productCode}`, productCode, leaf: m[3] };
}

export class MsiInstalls {
  private readonly nodes = new Set<string>();
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly clock: () => number,
    private readonly behaviours: Record<string, AppInstallBehaviour> = {},
  ) {}

  /** Add of `MSI/{ProductID}`: 200, or 418 when the node exists. */
  add(uri: string): string | undefined {
    const node = msiUri(uri);
    if (!node || node.leaf) return undefined;
    if (this.nodes.has(node.key)) return '418';
    this.nodes.add(node.key);
    return '200';
  }

  /** Exec of DownloadInstall with the MsiInstallJob; a new Exec restarts the job (a retry). */
  exec(uri: string, data: string | undefined): string | undefined {
    const node = msiUri(uri);
    if (!node || node.leaf !== 'DownloadInstall') return undefined;
    let job;
    try {
      job = parseMsiInstallJob(data ?? '');
    } catch (err) {
      if (err instanceof ProtocolParseError) return '400';
      throw err;
    }
    if (job.productId.toUpperCase() !== node.productCode) return '400';
    this.nodes.add(node.key);
    this.jobs.set(node.key, { startedAt: this.clock(), behaviour: this.behaviours[node.productCode] ?? {}, version: job.productVersion });
    return '200';
  }

  delete(uri: string): string | undefined {
    const node = msiUri(uri);
    if (!node || node.leaf) return undefined;
    const existed = this.nodes.delete(node.key);
    this.jobs.delete(node.key);
    return existed ? '200' : '404';
  }

  status(key: string): number | undefined {
    const job = this.jobs.get(key);
    if (!job) return this.nodes.has(key) ? MSI_STATUS.initialized : undefined;
    const elapsed = this.clock() - job.startedAt;
    const duration = job.behaviour.durationMs ?? DEFAULT_DURATION_MS;
    if (elapsed < duration / 2) return elapsed === 0 ? MSI_STATUS.initialized : MSI_STATUS.downloadInProgress;
    if (elapsed < duration || job.behaviour.hang) return MSI_STATUS.enforcementInProgress;
    return job.behaviour.errorCode ? MSI_STATUS.enforcementFailed : MSI_STATUS.enforcementCompleted;
  }

  /** A leaf's value (Status, LastError, LastErrorDesc, Version), or undefined when there is none. */
  get(uri: string): string | undefined {
    const node = msiUri(uri);
    if (!node?.leaf) return undefined;
    const status = this.status(node.key);
    if (status === undefined) return undefined;
    const failed = status === MSI_STATUS.enforcementFailed;
    const error = this.jobs.get(node.key)?.behaviour.errorCode;
    switch (node.leaf) {
      case 'Status':
        return String(status);
      case 'LastError':
        return failed && error ? error : '0';
      case 'LastErrorDesc':
        return failed ? 'Fatal error during installation.' : '';
      case 'Version':
        return this.jobs.get(node.key)?.version ?? '';
      default:
        return undefined;
    }
  }
}
