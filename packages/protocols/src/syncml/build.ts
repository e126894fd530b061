import { el, escapeXml } from '../xml/escape.js';
import { METINF_NAMESPACE, SYNCML_NAMESPACE_12, SYNCML_VER_DTD, SYNCML_VER_PROTO } from './constants.js';
import type { SyncMLCommand, SyncMLHeader, SyncMLItem, SyncMLMessage, SyncMLMeta } from './types.js';

function metinf(name: string, value: string): string {
  return `<${name} xmlns="${METINF_NAMESPACE}">${escapeXml(value)}</${name}>`;
}

function buildMeta(meta: SyncMLMeta): string {
  return `<Meta>${meta.format !== undefined ? metinf('Format', meta.format) : ''}${meta.type !== undefined ? metinf('Type', meta.type) : ''}</Meta>`;
}

function buildItem(item: SyncMLItem): string {
  let out = '<Item>';
  if (item.target !== undefined) out += `<Target>${el('LocURI', item.target)}</Target>`;
  if (item.source !== undefined) out += `<Source>${el('LocURI', item.source)}</Source>`;
  if (item.meta) out += buildMeta(item.meta);
  if (item.data !== undefined) out += el('Data', item.data);
  return `${out}</Item>`;
}

function buildCommand(cmd: SyncMLCommand): string {
  const head = el('CmdID', cmd.cmdId);
  switch (cmd.kind) {
    case 'Status': {
      let out = `<Status>${head}${el('MsgRef', cmd.msgRef)}${el('CmdRef', cmd.cmdRef)}${el('Cmd', cmd.cmd)}`;
      if (cmd.targetRef !== undefined) out += el('TargetRef', cmd.targetRef);
      if (cmd.sourceRef !== undefined) out += el('SourceRef', cmd.sourceRef);
      if (cmd.chal) {
        const c = cmd.chal;
        out += '<Chal><Meta>';
        if (c.format !== undefined) out += metinf('Format', c.format);
        if (c.type !== undefined) out += metinf('Type', c.type);
        if (c.nextNonce !== undefined) out += metinf('NextNonce', c.nextNonce);
        out += '</Meta></Chal>';
      }
      return `${out}${el('Data', cmd.data)}</Status>`;
    }
    case 'Results': {
      const msgRef = cmd.msgRef !== undefined ? el('MsgRef', cmd.msgRef) : '';
      return `<Results>${head}${msgRef}${el('CmdRef', cmd.cmdRef)}${cmd.items.map(buildItem).join('')}</Results>`;
    }
    case 'Alert':
      return `<Alert>${head}${el('Data', cmd.data)}${cmd.items.map(buildItem).join('')}</Alert>`;
    case 'Atomic':
    case 'Sequence':
      return `<${cmd.kind}>${head}${cmd.commands.map(buildCommand).join('')}</${cmd.kind}>`;
    default:
      return `<${cmd.kind}>${head}${cmd.items.map(buildItem).join('')}</${cmd.kind}>`;
  }
}

function buildHeader(h: SyncMLHeader): string {
  let out = `<SyncHdr>${el('VerDTD', SYNCML_VER_DTD)}${el('VerProto', SYNCML_VER_PROTO)}${el('SessionID', h.sessionId)}${el('MsgID', h.msgId)}`;
  out += `<Target>${el('LocURI', h.target)}</Target>`;
  out += `<Source>${el('LocURI', h.source)}${h.sourceName !== undefined ? el('LocName', h.sourceName) : ''}</Source>`;
  if (h.cred) {
    const c = h.cred;
    out += `<Cred><Meta>${c.format !== undefined ? metinf('Format', c.format) : ''}${metinf('Type', c.type)}</Meta>${el('Data', c.data)}</Cred>`;
  }
  if (h.meta) {
    out += '<Meta>';
    if (h.meta.maxMsgSize !== undefined) out += metinf('MaxMsgSize', String(h.meta.maxMsgSize));
    if (h.meta.maxObjSize !== undefined) out += metinf('MaxObjSize', String(h.meta.maxObjSize));
    out += '</Meta>';
  }
  return `${out}</SyncHdr>`;
}

/**
 * Serialises a message as SyncML 1.2 whatever `verDTD`/`verProto` say: Windows keeps speaking
 * 1.2 regardless, and answering in the version it speaks avoids a mixed session.
 */
export function buildSyncML(msg: SyncMLMessage): string {
  const body = msg.commands.map(buildCommand).join('') + (msg.final ? '<Final/>' : '');
  return `<SyncML xmlns="${SYNCML_NAMESPACE_12}">${buildHeader(msg.header)}<SyncBody>${body}</SyncBody></SyncML>`;
}
