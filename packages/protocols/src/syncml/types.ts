/** `syncml:metinf` fields carried on an Item. */
export interface SyncMLMeta {
  format?: string;
  type?: string;
}

export interface SyncMLItem {
  target?: string;
  source?: string;
  meta?: SyncMLMeta;
  data?: string;
}

export interface SyncMLCred {
  format?: string;
  type: string;
  data: string;
}

/** Authentication challenge a Status may carry (`Chal/Meta`). */
export interface SyncMLChal {
  type?: string;
  format?: string;
  nextNonce?: string;
}

export interface SyncMLHeader {
  verDTD: string;
  verProto: string;
  sessionId: string;
  msgId: string;
  target: string;
  source: string;
  sourceName?: string;
  cred?: SyncMLCred;
  meta?: { maxMsgSize?: number; maxObjSize?: number };
}

// CmdID, MsgRef and CmdRef stay strings: they are echoed back verbatim, and CmdRef "0"
// means "the header" rather than a number to do arithmetic on. CmdID is checked to be digits.
export interface SyncMLStatus {
  kind: 'Status';
  cmdId: string;
  msgRef: string;
  cmdRef: string;
  cmd: string;
  targetRef?: string;
  sourceRef?: string;
  chal?: SyncMLChal;
  data: string;
}

export interface SyncMLResults {
  kind: 'Results';
  cmdId: string;
  msgRef?: string;
  cmdRef: string;
  items: SyncMLItem[];
}

export interface SyncMLAlert {
  kind: 'Alert';
  cmdId: string;
  data: string;
  items: SyncMLItem[];
}

export type SyncMLItemVerb = 'Get' | 'Add' | 'Replace' | 'Delete' | 'Exec';

export interface SyncMLItemCommand {
  kind: SyncMLItemVerb;
  cmdId: string;
  items: SyncMLItem[];
}

export interface SyncMLContainer {
  kind: 'Atomic' | 'Sequence';
  cmdId: string;
  commands: SyncMLCommand[];
}

export type SyncMLCommand = SyncMLStatus | SyncMLResults | SyncMLAlert | SyncMLItemCommand | SyncMLContainer;

export interface SyncMLMessage {
  header: SyncMLHeader;
  commands: SyncMLCommand[];
  final: boolean;
}
