/**
 * How much a reply may carry. A DM client states in SyncHdr/Meta the largest message it
 * accepts (MaxMsgSize) and the largest single object (MaxObjSize) (OMA-DM 1.2 Protocol
 * §6.1.7 and §6.1.8; SyncML Meta-Information 1.2 §5.1.7/§5.1.9); the server fills a reply
 * with queued commands only while the serialised message stays within MaxMsgSize, and the
 * rest go in the next message of the same session. Windows sends MaxMsgSize on every
 * message; a value seen earlier in the session applies when a message omits it.
 *
 * Large objects split over several messages (MoreData) are not sent: the Windows client
 * has not been seen to take them, and it aborts (Alert 1223) rather than split its own
 * Results (mdm-anchors §2). A command that cannot fit even alone in an otherwise empty
 * reply, or whose data exceeds MaxObjSize, is failed with 413 instead of being retried
 * forever.
 */
import { buildSyncML, type SyncMLCommand, type SyncMLMessage } from '@baton/protocols';

/** What management itself accepts, advertised to the device in every reply's SyncHdr. */
export const SERVER_MAX_MSG_SIZE = 512 * 1024;

/** Below this, no reply at all fits; a smaller MaxMsgSize is treated as this floor. */
export const MIN_CLIENT_MAX_MSG_SIZE = 1024;

export interface ClientLimits {
  maxMsgSize?: number;
  maxObjSize?: number;
}

const bytes = (message: SyncMLMessage) => Buffer.byteLength(buildSyncML(message), 'utf8');

export type Fit = 'fits' | 'later' | 'never';

/**
 * Decides command by command whether it fits the reply as built so far. `reply` must hold
 * everything already decided (header Status, Statuses for the device's commands); `floor`
 * is the bare reply (header Status alone), which says whether a command could ever fit.
 */
export class MessageBudget {
  private used = 0;
  private readonly limit: number | undefined;
  private readonly emptySize: number = 0;

  constructor(
    private readonly reply: SyncMLMessage,
    floor: SyncMLMessage,
    private readonly limits: ClientLimits,
  ) {
    this.limit = limits.maxMsgSize === undefined ? undefined : Math.max(limits.maxMsgSize, MIN_CLIENT_MAX_MSG_SIZE);
    if (this.limit === undefined) return;
    // Final/ is counted whether or not the reply ends up carrying it.
    this.used = bytes({ ...reply, final: true });
    this.emptySize = bytes({ ...floor, final: true });
  }

  /** Whether `command` fits now; when it does, its size is counted. */
  take(command: SyncMLCommand): Fit {
    if (this.limits.maxObjSize !== undefined && dataBytes(command) > this.limits.maxObjSize) return 'never';
    if (this.limit === undefined) return 'fits';
    const size = bytes({ ...this.reply, commands: [command], final: false }) - bytes({ ...this.reply, commands: [], final: false });
    if (this.emptySize + size > this.limit) return 'never';
    if (this.used + size > this.limit) return 'later';
    this.used += size;
    return 'fits';
  }
}

function dataBytes(command: SyncMLCommand): number {
  if ('commands' in command) return command.commands.reduce((n, c) => n + dataBytes(c), 0);
  if (!('items' in command)) return 0;
  return command.items.reduce((n, i) => n + Buffer.byteLength(i.data ?? '', 'utf8'), 0);
}
