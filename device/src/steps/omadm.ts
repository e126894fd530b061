/**
 * Step 6: the first OMA-DM session (SyncML 1.2 over HTTPS with the MDM client certificate),
 * and every later poll, which runs the same way. The device opens with package 1 (Alert 1201
 * + DevInfo), then answers every server command from its CSP tree until the server has
 * nothing left to say.
 */
import {
  AAD_USER_TOKEN_ALERT_TYPE,
  AlertCode,
  ProtocolParseError,
  StatusCode,
  SYNCML_CONTENT_TYPE,
  buildSyncML,
  parseSyncML,
  type SyncMLCommand,
  type SyncMLItem,
  type SyncMLMessage,
  type SyncMLStatus,
} from '@baton/protocols';
import type { CspFormat, CspTree } from '../csp-tree.js';
import { ChainError } from '../errors.js';
import { send, type DeviceHttp } from '../http.js';

export interface OmaDmInput {
  /** ADDR from the provisioning document. */
  managementUrl: string;
  /** The MDM DeviceID: SyncHdr Source and DevInfo/DevId. */
  deviceId: string;
  tree: CspTree;
  /** Windows counts sessions per enrollment and writes the counter in hex. */
  sessionNumber?: number;
  /** Bound on the messages the device sends, so a server that never stops cannot hold it. */
  maxMessages?: number;
  /** MaxMsgSize stated in every SyncHdr, as Windows does; the server then splits its package. */
  maxMsgSize?: number;
  /**
   * The Entra token of the user logged on to the device, for the MDM resource: Windows sends it
   * in package 1 (Alert 1224, com.microsoft/MDM/AADUserToken) so the server knows who uses the
   * device. None before a user has logged on, or when no token could be had.
   */
  userToken?: string;
}

export interface ServerCommandOutcome {
  cmd: string;
  cmdId: string;
  targets: string[];
  status: string;
}

export interface OmaDmFacts {
  sessionId: string;
  /** Messages the device sent, package 1 included. */
  messagesSent: number;
  commands: ServerCommandOutcome[];
}

const DEFAULT_MAX_MESSAGES = 20;
const OK_HEADER_STATUSES = new Set<string>([StatusCode.Ok, StatusCode.AuthenticationAccepted]);
const DEVINFO_NODES = ['DevId', 'Man', 'Mod', 'DmV', 'Lang'];

class Outbox {
  private next = 1;
  readonly commands: SyncMLCommand[] = [];
  id(): string {
    return String(this.next++);
  }
  push(command: SyncMLCommand): void {
    this.commands.push(command);
  }
}

export function buildPackage1(input: OmaDmInput, sessionId: string): SyncMLMessage {
  const out = new Outbox();
  out.push({ kind: 'Alert', cmdId: out.id(), data: AlertCode.ClientInitiatedSession, items: [] });
  if (input.userToken) {
    out.push({ kind: 'Alert', cmdId: out.id(), data: AlertCode.Generic, items: [{ meta: { type: AAD_USER_TOKEN_ALERT_TYPE }, data: input.userToken }] });
  }
  const items: SyncMLItem[] = DEVINFO_NODES.map((node) => {
    const uri = `./DevInfo/${node}`;
    return { source: uri, data: input.tree.get(uri)?.data ?? '' };
  });
  out.push({ kind: 'Replace', cmdId: out.id(), items });
  return { header: header(input, sessionId, 1), commands: out.commands, final: true };
}

function header(input: OmaDmInput, sessionId: string, msgId: number): SyncMLMessage['header'] {
  return {
    verDTD: '1.2',
    verProto: 'DM/1.2',
    sessionId,
    msgId: String(msgId),
    target: input.managementUrl,
    source: input.deviceId,
    ...(input.maxMsgSize !== undefined ? { meta: { maxMsgSize: input.maxMsgSize } } : {}),
  };
}

/** One client-initiated session: the first after enrollment, or any later poll. */
export async function sync(http: DeviceHttp, input: OmaDmInput): Promise<OmaDmFacts> {
  const sessionId = (input.sessionNumber ?? 1).toString(16).toUpperCase();
  const maxMessages = input.maxMessages ?? DEFAULT_MAX_MESSAGES;
  const outcomes: ServerCommandOutcome[] = [];
  let message = buildPackage1(input, sessionId);
  for (let sent = 1; sent <= maxMessages; sent++) {
    const reply = await exchange(http, input.managementUrl, message);
    checkHeaderStatus(reply, message.header.msgId);
    const serverCommands = reply.commands.filter((c) => c.kind !== 'Status' && c.kind !== 'Results');
    if (serverCommands.length === 0 && reply.final) {
      return { sessionId, messagesSent: sent, commands: outcomes };
    }
    message = answer(input, sessionId, sent + 1, reply, outcomes);
  }
  throw new ChainError('management', 'session_too_long', `The OMA-DM session did not end within ${maxMessages} device messages.`);
}

export const firstSync = sync;

async function exchange(http: DeviceHttp, url: string, message: SyncMLMessage): Promise<SyncMLMessage> {
  const answer = await send(http, 'management', url, {
    method: 'POST',
    headers: { 'content-type': SYNCML_CONTENT_TYPE, accept: SYNCML_CONTENT_TYPE },
    body: buildSyncML(message),
  });
  try {
    return parseSyncML(answer.text);
  } catch (err) {
    if (err instanceof ProtocolParseError) {
      throw new ChainError('management', 'invalid_syncml', `The management server answered SyncML the device cannot read: ${err.message}`, answer.status);
    }
    throw err;
  }
}

/** The server's Status for our SyncHdr says whether the session is accepted at all. */
function checkHeaderStatus(reply: SyncMLMessage, ourMsgId: string): void {
  const status = reply.commands.find(
    (c): c is SyncMLStatus => c.kind === 'Status' && c.cmdRef === '0' && (c.msgRef === '' || c.msgRef === ourMsgId),
  );
  if (status && !OK_HEADER_STATUSES.has(status.data)) {
    throw new ChainError('management', status.data, `The management server refused the session: SyncHdr status ${status.data}.`);
  }
}

function answer(input: OmaDmInput, sessionId: string, msgId: number, reply: SyncMLMessage, outcomes: ServerCommandOutcome[]): SyncMLMessage {
  const out = new Outbox();
  const msgRef = reply.header.msgId;
  // Each side acknowledges the other's SyncHdr with a Status whose CmdRef is 0.
  out.push({ kind: 'Status', cmdId: out.id(), msgRef, cmdRef: '0', cmd: 'SyncHdr', data: StatusCode.Ok });
  for (const command of reply.commands) handle(input.tree, command, msgRef, out, outcomes);
  if (!reply.final) {
    // The server's package spans several messages: ask for the next one.
    out.push({ kind: 'Alert', cmdId: out.id(), data: AlertCode.NextMessage, items: [] });
  }
  return { header: header(input, sessionId, msgId), commands: out.commands, final: true };
}

function status(out: Outbox, msgRef: string, command: { cmdId: string; kind: string }, data: string): void {
  out.push({ kind: 'Status', cmdId: out.id(), msgRef, cmdRef: command.cmdId, cmd: command.kind, data });
}

function firstFailure(codes: string[]): string {
  return codes.find((c) => c !== StatusCode.Ok) ?? StatusCode.Ok;
}

/** Handles one server command; returns the status it was answered with. */
function handle(tree: CspTree, command: SyncMLCommand, msgRef: string, out: Outbox, outcomes: ServerCommandOutcome[]): string {
  const record = (targets: string[], code: string) => {
    outcomes.push({ cmd: command.kind, cmdId: command.cmdId, targets, status: code });
    return code;
  };
  if (command.kind === 'Get' || command.kind === 'Add' || command.kind === 'Replace' || command.kind === 'Delete' || command.kind === 'Exec') {
    const targets = command.items.map((i) => i.target ?? '');
    const failure = targets.map((t) => (t ? tree.failureOf(t) : undefined)).find((f) => f !== undefined);
    if (failure) {
      status(out, msgRef, command, failure);
      return record(targets, failure);
    }
  }
  switch (command.kind) {
    case 'Status':
    case 'Results':
      return StatusCode.Ok;
    case 'Alert':
      status(out, msgRef, command, StatusCode.Ok);
      return record([], StatusCode.Ok);
    case 'Get': {
      const targets = command.items.map((i) => i.target ?? '');
      const found = targets.map((t) => ({ uri: t, value: t ? tree.get(t) : undefined }));
      const code = targets.length > 0 && found.every((f) => f.value) ? StatusCode.Ok : StatusCode.NotFound;
      status(out, msgRef, command, code);
      const items: SyncMLItem[] = found
        .filter((f) => f.value)
        .map((f) => ({ source: f.uri, meta: { format: f.value!.format }, data: f.value!.data }));
      if (items.length > 0) out.push({ kind: 'Results', cmdId: out.id(), msgRef, cmdRef: command.cmdId, items });
      return record(targets, code);
    }
    case 'Add':
    case 'Replace': {
      const verb = command.kind;
      const codes = command.items.map((i) =>
        i.target ? tree.set(i.target, i.data ?? '', (i.meta?.format as CspFormat | undefined) ?? 'chr', verb) : StatusCode.BadRequest,
      );
      const code = codes.length > 0 ? firstFailure(codes) : StatusCode.BadRequest;
      status(out, msgRef, command, code);
      return record(command.items.map((i) => i.target ?? ''), code);
    }
    case 'Delete': {
      const codes = command.items.map((i) => (i.target ? tree.delete(i.target) : StatusCode.BadRequest));
      const code = codes.length > 0 ? firstFailure(codes) : StatusCode.BadRequest;
      status(out, msgRef, command, code);
      return record(command.items.map((i) => i.target ?? ''), code);
    }
    case 'Exec': {
      const codes = command.items.map((i) => (i.target ? tree.exec(i.target, i.data) : StatusCode.BadRequest));
      const code = codes.length > 0 ? firstFailure(codes) : StatusCode.BadRequest;
      status(out, msgRef, command, code);
      return record(command.items.map((i) => i.target ?? ''), code);
    }
    case 'Atomic':
    case 'Sequence': {
      // Reserve the container's Status position before its children's, as Windows orders them.
      const index = out.commands.length;
      status(out, msgRef, command, StatusCode.Ok);
      const before = command.kind === 'Atomic' ? tree.snapshot() : undefined;
      const children: Array<{ at: number; code: string }> = [];
      for (const c of command.commands) {
        const at = out.commands.length;
        children.push({ at, code: handle(tree, c, msgRef, out, outcomes) });
      }
      const failed = before !== undefined && children.some((c) => c.code !== StatusCode.Ok);
      if (failed) {
        // All or nothing: undo what the children did; those that had succeeded say they were rolled back.
        tree.restore(before);
        for (const child of children) {
          const answer = out.commands[child.at];
          if (child.code === StatusCode.Ok && answer?.kind === 'Status') answer.data = StatusCode.AtomicRollbackOk;
        }
      }
      const code = failed ? StatusCode.AtomicFailed : StatusCode.Ok;
      (out.commands[index] as SyncMLStatus).data = code;
      return record([], code);
    }
  }
}
