/**
 * OMA-DM 1.2 / SyncML 1.2 rules a server reply must follow, checked on the wire text with
 * the generic XML reader rather than Baton's SyncML codec, so a codec bug cannot make
 * Baton agree with itself. Sources: OMA-TS-DM_Protocol-V1_2 §8 (packages, session
 * alerts, Status for every command), OMA-TS-SyncML_RepPro-V1_2 §5–6 (SyncHdr, MsgID,
 * CmdID, Status, Target/Source), OMA-TS-DM_RepPro-V1_2 (VerDTD 1.2, VerProto DM/1.2).
 */
import assert from 'node:assert/strict';
import { child, childText, elements, parseXml, type XmlElement } from '@baton/protocols';

interface WireCommand {
  name: string;
  cmdId: string;
  element: XmlElement;
}

export interface WireSyncML {
  namespace: string | undefined;
  verDTD?: string;
  verProto?: string;
  sessionId?: string;
  msgId?: string;
  target?: string;
  source?: string;
  commands: WireCommand[];
  final: boolean;
}

const NON_COMMANDS = new Set(['Final', 'CmdID', 'Meta']);

export function readWire(xml: string): WireSyncML {
  const root = parseXml(xml, { maxBytes: 4 * 1024 * 1024 });
  assert.equal(root.name, 'SyncML', 'root element is SyncML');
  const namespace = /^\s*(?:<\?xml[^>]*\?>\s*)?<SyncML\b[^>]*\bxmlns="([^"]*)"/.exec(xml)?.[1];
  const hdr = child(root, 'SyncHdr');
  const body = child(root, 'SyncBody');
  assert.ok(hdr, 'SyncHdr present');
  assert.ok(body, 'SyncBody present');
  const commands = elements(body)
    .filter((e) => !NON_COMMANDS.has(e.name))
    .map((element) => ({ name: element.name, cmdId: childText(element, 'CmdID') ?? '', element }));
  const wire: WireSyncML = { namespace, commands, final: child(body, 'Final') !== undefined };
  const set = (key: 'verDTD' | 'verProto' | 'sessionId' | 'msgId' | 'target' | 'source', value: string | undefined) => {
    if (value !== undefined) wire[key] = value;
  };
  set('verDTD', childText(hdr, 'VerDTD'));
  set('verProto', childText(hdr, 'VerProto'));
  set('sessionId', childText(hdr, 'SessionID'));
  set('msgId', childText(hdr, 'MsgID'));
  set('target', childText(hdr, 'Target', 'LocURI'));
  set('source', childText(hdr, 'Source', 'LocURI'));
  return wire;
}

/** All CmdIDs of a message in document order, including those inside Atomic/Sequence. */
function allCmdIds(commands: WireCommand[]): string[] {
  const out: string[] = [];
  for (const c of commands) {
    out.push(c.cmdId);
    if (c.name === 'Atomic' || c.name === 'Sequence') {
      const nested = elements(c.element)
        .filter((e) => !NON_COMMANDS.has(e.name))
        .map((element) => ({ name: element.name, cmdId: childText(element, 'CmdID') ?? '', element }));
      out.push(...allCmdIds(nested));
    }
  }
  return out;
}

export interface SyncMLReplyExpectations {
  /** The server's own LocURI (MDM.svc URL): the reply's Source. */
  serverUrl: string;
  /** SyncHdr Status codes acceptable for this exchange; default 200 and 212. */
  headerStatus?: readonly string[];
  /** The reply may carry nothing but the SyncHdr Status (a refusal). */
  refusal?: boolean;
}

/**
 * Asserts every protocol rule a reply to `requestXml` must follow. Returns the parsed
 * reply for further, exchange-specific checks.
 */
export function assertSyncMLReply(requestXml: string, responseXml: string, expect: SyncMLReplyExpectations): WireSyncML {
  const req = readWire(requestXml);
  const res = readWire(responseXml);

  // DM RepPro: the 1.2 namespace and version strings, whatever the device wrote.
  assert.equal(res.namespace, 'SYNCML:SYNCML1.2', 'SyncML namespace');
  assert.equal(res.verDTD, '1.2', 'VerDTD');
  assert.equal(res.verProto, 'DM/1.2', 'VerProto');

  // RepPro §5.1: the reply belongs to the device's session; MsgID is a positive integer.
  assert.equal(res.sessionId, req.sessionId, 'SessionID echoes the request');
  assert.match(res.msgId ?? '', /^[1-9][0-9]*$/, 'MsgID is a positive integer');

  // Target/Source swap: the reply goes to the device and comes from the server.
  assert.equal(res.target, req.source, 'reply Target = request Source');
  assert.equal(res.source, expect.serverUrl, 'reply Source = the server URI');
  if (req.target === expect.serverUrl) assert.equal(res.source, req.target, 'reply Source = request Target');

  // CmdIDs: unique, increasing in document order, positive integers.
  const ids = allCmdIds(res.commands);
  for (const id of ids) assert.match(id, /^[1-9][0-9]*$/, `CmdID ${id} is a positive integer`);
  const numeric = ids.map(Number);
  for (let i = 1; i < numeric.length; i++) assert.ok(numeric[i]! > numeric[i - 1]!, `CmdIDs increase: ${ids.join(',')}`);

  // DM Protocol §8: the first command is the SyncHdr Status.
  const first = res.commands[0];
  assert.ok(first && first.name === 'Status', 'the first command is a Status');
  assert.equal(childText(first.element, 'CmdRef'), '0', 'SyncHdr Status has CmdRef 0');
  assert.equal(childText(first.element, 'Cmd'), 'SyncHdr', 'SyncHdr Status names SyncHdr');
  assert.equal(childText(first.element, 'MsgRef'), req.msgId, 'SyncHdr Status MsgRef = request MsgID');
  const headerStatus = childText(first.element, 'Data') ?? '';
  assert.ok((expect.headerStatus ?? ['200', '212']).includes(headerStatus), `SyncHdr status ${headerStatus}`);

  const statuses = res.commands.filter((c) => c.name === 'Status');
  for (const s of statuses) {
    assert.match(childText(s.element, 'Data') ?? '', /^[1-5][0-9]{2}$/, 'Status Data is a three-digit code');
    assert.equal(childText(s.element, 'MsgRef'), req.msgId, 'every Status answers the request message');
  }
  // Statuses must follow the SyncHdr Status before any server command (RepPro §6.6.16 ordering used by Windows).
  const lastStatus = res.commands.map((c) => c.name).lastIndexOf('Status');
  assert.ok(res.commands.slice(0, lastStatus + 1).every((c) => c.name === 'Status'), 'Statuses come before commands');

  if (expect.refusal) {
    assert.equal(res.commands.length, 1, 'a refusal carries only the SyncHdr Status');
    return res;
  }

  // Every device command except Status and Results gets exactly one Status, and nothing else does.
  const answerable = req.commands.filter((c) => c.name !== 'Status' && c.name !== 'Results');
  const notAnswerable = new Set(req.commands.filter((c) => c.name === 'Status' || c.name === 'Results').map((c) => c.cmdId));
  for (const cmd of answerable) {
    const matching = statuses.filter((s) => childText(s.element, 'CmdRef') === cmd.cmdId);
    assert.equal(matching.length, 1, `exactly one Status for ${cmd.name} ${cmd.cmdId}`);
    assert.equal(childText(matching[0]!.element, 'Cmd'), cmd.name, `Status for CmdID ${cmd.cmdId} names ${cmd.name}`);
  }
  for (const s of statuses.slice(1)) {
    const ref = childText(s.element, 'CmdRef') ?? '';
    assert.ok(!notAnswerable.has(ref) || answerable.some((c) => c.cmdId === ref), `no Status answers the device's Status/Results ${ref}`);
    assert.ok(answerable.some((c) => c.cmdId === ref), `Status CmdRef ${ref} names a device command`);
  }
  assert.equal(statuses.length, answerable.length + 1, 'one Status per answerable command, plus SyncHdr');

  // Final: the reply ends the server's package, unless the device's package is not over.
  if (req.final) assert.ok(res.final, 'Final present');
  else {
    assert.equal(res.final, false, 'no Final while the device package continues');
    assert.ok(res.commands.some((c) => c.name === 'Alert' && childText(c.element, 'Data') === '1222'), 'Alert 1222 asks for the next message');
  }

  // Server commands address a node on the device.
  for (const c of res.commands.filter((x) => ['Get', 'Add', 'Replace', 'Delete', 'Exec'].includes(x.name))) {
    const items = elements(c.element, 'Item');
    assert.ok(items.length > 0, `${c.name} has an Item`);
    for (const item of items) assert.ok(childText(item, 'Target', 'LocURI'), `${c.name} Item has Target/LocURI`);
  }
  return res;
}
