import { fail } from '../errors.js';
import { parseXml } from '../xml/parse.js';
import { serializeNodes } from '../xml/serialize.js';
import { child, childText, elements, textOf, type XmlElement } from '../xml/tree.js';
import type {
  SyncMLChal,
  SyncMLCommand,
  SyncMLCred,
  SyncMLHeader,
  SyncMLItem,
  SyncMLItemVerb,
  SyncMLMessage,
  SyncMLMeta,
  SyncMLStatus,
} from './types.js';

export interface ParseSyncMLOptions {
  /** Default 512 KiB, a generous multiple of what Windows advertises as MaxMsgSize. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 512 * 1024;
const ITEM_VERBS = new Set<string>(['Get', 'Add', 'Replace', 'Delete', 'Exec']);

function required(parent: XmlElement, name: string, code: string, what: string): string {
  const value = childText(parent, name);
  if (value === undefined || value === '') fail(code, `missing ${what}`);
  return value;
}

// Data may hold escaped markup (kept as the unescaped text) or, from sloppier peers, raw
// child elements; in that case the children are written back out so no content is lost.
function dataOf(element: XmlElement): string {
  return elements(element).length > 0 ? serializeNodes(element.children) : textOf(element);
}

function parseMeta(element: XmlElement): SyncMLMeta {
  const meta: SyncMLMeta = {};
  const format = childText(element, 'Format');
  const type = childText(element, 'Type');
  if (format !== undefined) meta.format = format;
  if (type !== undefined) meta.type = type;
  return meta;
}

function parseItem(element: XmlElement): SyncMLItem {
  const item: SyncMLItem = {};
  const target = childText(element, 'Target', 'LocURI');
  const source = childText(element, 'Source', 'LocURI');
  const meta = child(element, 'Meta');
  const data = child(element, 'Data');
  if (target !== undefined) item.target = target;
  if (source !== undefined) item.source = source;
  if (meta) item.meta = parseMeta(meta);
  if (data) item.data = dataOf(data);
  return item;
}

function parseCmdId(element: XmlElement): string {
  const cmdId = childText(element, 'CmdID');
  if (cmdId === undefined) fail('syncml.cmdid', `${element.name} has no CmdID`);
  if (!/^[0-9]{1,20}$/.test(cmdId)) fail('syncml.cmdid', `${element.name} has a non-numeric CmdID`);
  return cmdId;
}

function parseChal(element: XmlElement): SyncMLChal {
  const meta = child(element, 'Meta');
  const chal: SyncMLChal = {};
  const type = childText(meta, 'Type');
  const format = childText(meta, 'Format');
  const nextNonce = childText(meta, 'NextNonce');
  if (type !== undefined) chal.type = type;
  if (format !== undefined) chal.format = format;
  if (nextNonce !== undefined) chal.nextNonce = nextNonce;
  return chal;
}

function parseCommand(element: XmlElement): SyncMLCommand | undefined {
  const name = element.name;
  if (name === 'Status') {
    const cmdId = parseCmdId(element);
    const status: SyncMLStatus = {
      kind: 'Status',
      cmdId,
      msgRef: childText(element, 'MsgRef') ?? '',
      cmdRef: childText(element, 'CmdRef') ?? '',
      cmd: childText(element, 'Cmd') ?? '',
      data: childText(element, 'Data') ?? '',
    };
    const targetRef = childText(element, 'TargetRef');
    const sourceRef = childText(element, 'SourceRef');
    const chal = child(element, 'Chal');
    if (targetRef !== undefined) status.targetRef = targetRef;
    if (sourceRef !== undefined) status.sourceRef = sourceRef;
    if (chal) status.chal = parseChal(chal);
    return status;
  }
  if (name === 'Results') {
    const cmdId = parseCmdId(element);
    const msgRef = childText(element, 'MsgRef');
    return {
      kind: 'Results',
      cmdId,
      ...(msgRef !== undefined ? { msgRef } : {}),
      cmdRef: childText(element, 'CmdRef') ?? '',
      items: elements(element, 'Item').map(parseItem),
    };
  }
  if (name === 'Alert') {
    const cmdId = parseCmdId(element);
    return { kind: 'Alert', cmdId, data: childText(element, 'Data') ?? '', items: elements(element, 'Item').map(parseItem) };
  }
  if (ITEM_VERBS.has(name)) {
    const cmdId = parseCmdId(element);
    return { kind: name as SyncMLItemVerb, cmdId, items: elements(element, 'Item').map(parseItem) };
  }
  if (name === 'Atomic' || name === 'Sequence') {
    const cmdId = parseCmdId(element);
    return { kind: name, cmdId, commands: parseCommands(element) };
  }
  return undefined;
}

// Elements that are not commands (CmdID, Meta, Final…) and verbs DM does not use are skipped;
// the nesting depth is already bounded by the XML layer.
function parseCommands(container: XmlElement): SyncMLCommand[] {
  const commands: SyncMLCommand[] = [];
  for (const element of elements(container)) {
    const command = parseCommand(element);
    if (command) commands.push(command);
  }
  return commands;
}

function parseCred(element: XmlElement): SyncMLCred {
  const meta = child(element, 'Meta');
  const cred: SyncMLCred = { type: childText(meta, 'Type') ?? '', data: childText(element, 'Data') ?? '' };
  const format = childText(meta, 'Format');
  if (format !== undefined) cred.format = format;
  return cred;
}

function parseSize(meta: XmlElement, name: string): number | undefined {
  const raw = childText(meta, name);
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,15}$/.test(raw)) fail('syncml.meta', `${name} is not a number`);
  return Number(raw);
}

function parseHeader(hdr: XmlElement): SyncMLHeader {
  const source = child(hdr, 'Source');
  const sourceUri = childText(source, 'LocURI');
  if (sourceUri === undefined || sourceUri === '') fail('syncml.source', 'missing SyncHdr/Source/LocURI');
  const header: SyncMLHeader = {
    verDTD: childText(hdr, 'VerDTD') ?? '',
    verProto: childText(hdr, 'VerProto') ?? '',
    sessionId: required(hdr, 'SessionID', 'syncml.sessionid', 'SyncHdr/SessionID'),
    msgId: required(hdr, 'MsgID', 'syncml.msgid', 'SyncHdr/MsgID'),
    target: childText(hdr, 'Target', 'LocURI') ?? '',
    source: sourceUri,
  };
  const sourceName = childText(source, 'LocName');
  if (sourceName !== undefined) header.sourceName = sourceName;
  const cred = child(hdr, 'Cred');
  if (cred) header.cred = parseCred(cred);
  const meta = child(hdr, 'Meta');
  if (meta) {
    header.meta = {};
    const maxMsgSize = parseSize(meta, 'MaxMsgSize');
    const maxObjSize = parseSize(meta, 'MaxObjSize');
    if (maxMsgSize !== undefined) header.meta.maxMsgSize = maxMsgSize;
    if (maxObjSize !== undefined) header.meta.maxObjSize = maxObjSize;
  }
  return header;
}

/**
 * Parses an OMA-DM SyncML 1.1/1.2 message. Namespaces are ignored (Windows mixes 1.1 and 1.2
 * and decorates Meta children with `syncml:metinf`); commands keep document order across verbs.
 */
export function parseSyncML(xml: string, options: ParseSyncMLOptions = {}): SyncMLMessage {
  const root = parseXml(xml, { maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES });
  if (root.name !== 'SyncML') fail('syncml.root', `root element is ${root.name}, not SyncML`);
  const hdr = child(root, 'SyncHdr');
  if (!hdr) fail('syncml.header', 'missing SyncHdr');
  const body = child(root, 'SyncBody');
  if (!body) fail('syncml.body', 'missing SyncBody');
  return { header: parseHeader(hdr), commands: parseCommands(body), final: child(body, 'Final') !== undefined };
}
