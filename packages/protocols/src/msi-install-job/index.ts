/**
 * The MsiInstallJob document of the EnterpriseDesktopAppManagement CSP: the data of an Exec on
 * `…/EnterpriseDesktopAppManagement/MSI/{ProductID}/DownloadInstall`, which tells the device
 * where to download an MSI, how to check it and with which command line to run msiexec.
 */
import { fail } from '../errors.js';
import { attr, child, childText, elements, escapeXml, escapeXmlAttr, parseXml, textOf } from '../xml/index.js';

export interface MsiInstallJob {
  /** The MSI product code, `{GUID}` as the CSP's node name spells it. */
  productId: string;
  productVersion: string;
  contentUrls: string[];
  /** SHA-256 of the MSI, hex; the device refuses content that does not match. */
  fileHash: string;
  commandLine: string;
  /** Minutes msiexec may run before the CSP gives up on it. */
  timeoutMinutes: number;
  retryCount: number;
  retryIntervalMinutes: number;
}

/** The document is small; anything far larger is not an install job. */
const MAX_JOB_BYTES = 64 * 1024;
const MAX_URLS = 16;

export function buildMsiInstallJob(job: MsiInstallJob): string {
  const urls = job.contentUrls.map((u) => `<ContentURL>${escapeXml(u)}</ContentURL>`).join('');
  return (
    `<MsiInstallJob id="${escapeXmlAttr(job.productId)}">` +
    `<Product Version="${escapeXmlAttr(job.productVersion)}">` +
    `<Download><ContentURLList>${urls}</ContentURLList></Download>` +
    `<Validation><FileHash>${escapeXml(job.fileHash)}</FileHash></Validation>` +
    `<Enforcement><CommandLine>${escapeXml(job.commandLine)}</CommandLine>` +
    `<TimeOut>${job.timeoutMinutes}</TimeOut><RetryCount>${job.retryCount}</RetryCount><RetryInterval>${job.retryIntervalMinutes}</RetryInterval></Enforcement>` +
    `</Product></MsiInstallJob>`
  );
}

function count(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,6}$/.test(text)) fail('msijob.number', `${name} is not a small non-negative integer`);
  return Number(text);
}

/** Reads an install job; a ProtocolParseError for anything that is not one. */
export function parseMsiInstallJob(xml: string): MsiInstallJob {
  const root = parseXml(xml, { maxBytes: MAX_JOB_BYTES, maxDepth: 16 });
  if (root.name !== 'MsiInstallJob') fail('msijob.root', 'the root element is not MsiInstallJob');
  const productId = attr(root, 'id')?.trim();
  if (!productId) fail('msijob.id', 'MsiInstallJob has no id (the product code)');
  const product = child(root, 'Product');
  if (!product) fail('msijob.product', 'MsiInstallJob has no Product');
  const list = child(child(product, 'Download'), 'ContentURLList');
  const contentUrls = list ? elements(list, 'ContentURL').map((e) => textOf(e).trim()) : [];
  if (contentUrls.length > MAX_URLS) fail('msijob.urls', `more than ${MAX_URLS} content URLs`);
  const enforcement = child(product, 'Enforcement');
  return {
    productId,
    productVersion: attr(product, 'Version')?.trim() ?? '',
    contentUrls: contentUrls.filter((u) => u !== ''),
    fileHash: childText(product, 'Validation', 'FileHash') ?? '',
    commandLine: childText(enforcement, 'CommandLine') ?? '',
    timeoutMinutes: count(childText(enforcement, 'TimeOut'), 'TimeOut', 0),
    retryCount: count(childText(enforcement, 'RetryCount'), 'RetryCount', 0),
    retryIntervalMinutes: count(childText(enforcement, 'RetryInterval'), 'RetryInterval', 0),
  };
}
