/**
 * The simulated devices: lean on purpose, so that what the client costs does not hide what
 * the server does. Every session opens its own TLS connection with the device's own client
 * certificate, resuming the device's last TLS session with that server when it has one.
 */
import { connect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { MANAGEMENT_PATHS } from '@baton/contracts';
import { parseSyncML, SYNCML_CONTENT_TYPE } from '@baton/protocols';

const PATH = MANAGEMENT_PATHS.omadm;

interface Device {
  deviceId: string;
  session: number;
  secureContext: SecureContext;
  /** The last TLS session of this device with each origin, resumed at the next connection. */
  tlsSessions: Map<string, Buffer>;
}

/**
 * One HTTP/1.1 POST on an open connection, and its answer (read up to its Content-Length,
 * which Fastify always sends for a string body). A plain exchange rather than an HTTP client
 * library: the device side's cost would otherwise be most of what the benchmark process does.
 */
function exchange(socket: TLSSocket, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let headerEnd = -1;
    let expected = -1;
    let status = 0;
    const done = (error?: Error) => {
      socket.off('data', onData);
      socket.off('error', done);
      socket.off('end', onEnd);
      if (error) reject(error);
    };
    const onEnd = () => done(new Error('connection closed before the answer was complete'));
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (headerEnd < 0) {
        headerEnd = all.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const head = all.subarray(0, headerEnd).toString('latin1');
        status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (!length) return done(new Error('answer without Content-Length'));
        expected = headerEnd + 4 + Number(length[1]);
      }
      if (received < expected) return;
      done();
      resolve({ status, body: all.subarray(headerEnd + 4, expected).toString('utf8') });
    };
    socket.on('data', onData);
    socket.on('error', done);
    socket.on('end', onEnd);
    socket.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${SYNCML_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}

export class Fleet {
  private readonly devices: Device[];
  private resumed = 0;
  private connections = 0;

  /** `serverUrl` is the OMA-DM URL the devices name as their messages' Target. */
  constructor(
    devices: Array<{ deviceId: string; certPem: string }>,
    credentials: { caPem: string; keyPem: string },
    private readonly serverUrl: string,
  ) {
    // Built once per device, as a client process keeps its credentials loaded.
    this.devices = devices.map((d) => ({
      deviceId: d.deviceId,
      session: 0,
      secureContext: createSecureContext({ ca: credentials.caPem, cert: d.certPem, key: credentials.keyPem }),
      tlsSessions: new Map(),
    }));
  }

  get size(): number {
    return this.devices.length;
  }

  /** Starts counting connections, and those that resumed a TLS session, afresh. */
  resetCounts(): void {
    this.resumed = 0;
    this.connections = 0;
  }

  /** The share of connections since `resetCounts` that resumed a TLS session. */
  get resumedShare(): number {
    return this.connections === 0 ? 0 : this.resumed / this.connections;
  }

  /**
   * One DM session of device `k` against `origin`: a new TLS connection with its certificate,
   * resuming the device's last TLS session with that origin when it has one, and one or two
   * HTTP/1.1 POSTs on it.
   */
  async session(origin: string, k: number, expectGet: boolean): Promise<boolean> {
    const d = this.devices[k]!;
    const sessionId = (++d.session).toString(16).toUpperCase();
    const { port } = new URL(origin);
    const socket = await this.open(d, origin, Number(port));
    try {
      const first = await exchange(socket, PATH, this.package1(d.deviceId, sessionId));
      if (first.status !== 200 || !first.body.includes('<Data>200</Data>')) return false;
      if (!expectGet) return true;
      const second = this.answer(d.deviceId, sessionId, first.body);
      if (!second) return false;
      return (await exchange(socket, PATH, second)).status === 200;
    } finally {
      socket.end();
    }
  }

  private open(d: Device, origin: string, port: number): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const saved = d.tlsSessions.get(origin);
      // By address: a name lookup per connection would be the client's cost, not the server's.
      const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext: d.secureContext, ...(saved ? { session: saved } : {}) });
      socket.on('session', (ticket: Buffer) => d.tlsSessions.set(origin, ticket));
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        this.connections++;
        if (socket.isSessionReused()) this.resumed++;
        resolve(socket);
      });
    });
  }

  private package1(deviceId: string, sessionId: string): string {
    const item = (node: string, data: string) => `<Item><Source><LocURI>./DevInfo/${node}</LocURI></Source><Data>${data}</Data></Item>`;
    return (
      `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>${sessionId}</SessionID><MsgID>1</MsgID>` +
      `<Target><LocURI>${this.serverUrl}</LocURI></Target><Source><LocURI>${deviceId}</LocURI></Source></SyncHdr><SyncBody>` +
      '<Alert><CmdID>2</CmdID><Data>1201</Data></Alert>' +
      '<Alert><CmdID>3</CmdID><Data>1224</Data><Item><Meta><Type xmlns="syncml:metinf">com.microsoft/MDM/LoginStatus</Type></Meta><Data>user</Data></Item></Alert>' +
      `<Replace><CmdID>4</CmdID>${item('DevId', deviceId)}${item('Man', 'Contoso')}${item('Mod', 'Virtual Machine')}${item('DmV', '1.3')}${item('Lang', 'en-US')}</Replace>` +
      '<Final/></SyncBody></SyncML>'
    );
  }

  /** The device's second message when the reply carried a Get: its Statuses and the Results. */
  private answer(deviceId: string, sessionId: string, replyXml: string): string | undefined {
    const reply = parseSyncML(replyXml);
    const get = reply.commands.find((c) => c.kind === 'Get');
    if (!get) return undefined;
    return (
      `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>${sessionId}</SessionID><MsgID>2</MsgID>` +
      `<Target><LocURI>${this.serverUrl}</LocURI></Target><Source><LocURI>${deviceId}</LocURI></Source></SyncHdr><SyncBody>` +
      `<Status><CmdID>1</CmdID><MsgRef>${reply.header.msgId}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>` +
      `<Status><CmdID>2</CmdID><MsgRef>${reply.header.msgId}</MsgRef><CmdRef>${get.cmdId}</CmdRef><Cmd>Get</Cmd><Data>200</Data></Status>` +
      `<Results><CmdID>3</CmdID><MsgRef>${reply.header.msgId}</MsgRef><CmdRef>${get.cmdId}</CmdRef><Item><Source><LocURI>./DevDetail/SwV</LocURI></Source><Data>10.0.26200.9278</Data></Item></Results>` +
      '<Final/></SyncBody></SyncML>'
    );
  }
}
