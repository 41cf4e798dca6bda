// One ZMTP 3.x connection over a TCP socket: greeting, NULL handshake (READY), then traffic.
// The PUB and SUB sockets build on this; it knows nothing of subscriptions.
import type { Socket } from 'node:net';
import {
  FrameDecoder,
  FrameFlag,
  GREETING_BYTES,
  ZmtpProtocolError,
  encodeCommand,
  encodeGreeting,
  encodeMessage,
  encodeReady,
  parseCommand,
  parseGreeting,
  parseReadyProperties,
} from './wire.js';
import type { ZmtpCommand } from './wire.js';

export const ZmtpSocketType = { Pub: 'PUB', Sub: 'SUB', XPub: 'XPUB', XSub: 'XSUB' } as const;
export type ZmtpSocketType = (typeof ZmtpSocketType)[keyof typeof ZmtpSocketType];

export interface ZmtpConnectionEvents {
  /** The handshake completed; traffic may flow. */
  onReady(connection: ZmtpConnection): void;
  /** A whole multipart message. */
  onMessage(connection: ZmtpConnection, parts: Buffer[]): void;
  /** A command other than READY/PING/PONG (e.g. 3.1 SUBSCRIBE). */
  onCommand(connection: ZmtpConnection, command: ZmtpCommand): void;
  /** The connection is gone; error is set when a protocol violation or socket error ended it. */
  onClose(connection: ZmtpConnection, error?: Error): void;
}

/** Guards against a peer streaming an endless multipart message. */
const MAX_MESSAGE_PARTS = 1024;

const Phase = { Greeting: 'greeting', Handshake: 'handshake', Traffic: 'traffic', Closed: 'closed' } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

export class ZmtpConnection {
  private phase: Phase = Phase.Greeting;
  private greetingBytes: Buffer = Buffer.alloc(0);
  private readonly decoder = new FrameDecoder();
  private partial: Buffer[] = [];

  constructor(
    readonly socket: Socket,
    private readonly localType: ZmtpSocketType,
    private readonly acceptedPeerTypes: readonly ZmtpSocketType[],
    private readonly events: ZmtpConnectionEvents,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.terminate(error));
    socket.on('close', () => this.terminate());
    socket.write(Buffer.concat([encodeGreeting(), encodeReady({ 'Socket-Type': localType })]));
  }

  get ready(): boolean {
    return this.phase === Phase.Traffic;
  }

  /** Bytes queued in the kernel-side write buffer not yet flushed, for high-water-mark checks. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  sendMessage(parts: readonly Buffer[]): void {
    if (this.phase !== Phase.Traffic) return;
    this.socket.write(encodeMessage(parts));
  }

  sendCommand(name: string, data: Buffer): void {
    if (this.phase !== Phase.Traffic) return;
    this.socket.write(encodeCommand(name, data));
  }

  close(): void {
    this.socket.destroy();
    this.terminate();
  }

  private receive(chunk: Buffer): void {
    try {
      if (this.phase === Phase.Greeting) {
        this.greetingBytes = Buffer.concat([this.greetingBytes, chunk]);
        // A ZMTP 1/2 peer or a stranger: give up as soon as the signature is wrong.
        if (this.greetingBytes.length >= 1 && this.greetingBytes[0] !== 0xff) {
          throw new ZmtpProtocolError('not a ZMTP peer (bad signature)');
        }
        if (this.greetingBytes.length < GREETING_BYTES) return;
        parseGreeting(this.greetingBytes);
        const rest = this.greetingBytes.subarray(GREETING_BYTES);
        this.greetingBytes = Buffer.alloc(0);
        this.phase = Phase.Handshake;
        if (rest.length === 0) return;
        chunk = rest;
      }
      for (const frame of this.decoder.push(chunk)) {
        if (this.phase === Phase.Closed) return;
        if (frame.flags & FrameFlag.Command) this.receiveCommand(frame.body);
        else this.receiveMessageFrame(frame.body, (frame.flags & FrameFlag.More) !== 0);
      }
    } catch (error) {
      this.socket.destroy();
      this.terminate(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private receiveCommand(body: Buffer): void {
    if (this.partial.length > 0) throw new ZmtpProtocolError('command inside a multipart message');
    const command = parseCommand(body);
    if (this.phase === Phase.Handshake) {
      if (command.name !== 'READY') throw new ZmtpProtocolError(`expected READY, got ${command.name}`);
      const peerType = parseReadyProperties(command.data).get('socket-type')?.toString('ascii');
      if (!peerType || !(this.acceptedPeerTypes as readonly string[]).includes(peerType)) {
        throw new ZmtpProtocolError(`a ${this.localType} socket does not accept a ${peerType ?? 'untyped'} peer`);
      }
      this.phase = Phase.Traffic;
      this.events.onReady(this);
      return;
    }
    if (command.name === 'PING') {
      // PING: 2-byte TTL then up to 16 bytes of context, echoed in PONG.
      this.socket.write(encodeCommand('PONG', command.data.subarray(2)));
      return;
    }
    if (command.name === 'PONG') return;
    this.events.onCommand(this, command);
  }

  private receiveMessageFrame(body: Buffer, more: boolean): void {
    if (this.phase !== Phase.Traffic) throw new ZmtpProtocolError('message before the handshake completed');
    this.partial.push(body);
    if (this.partial.length > MAX_MESSAGE_PARTS) throw new ZmtpProtocolError('message has too many frames');
    if (more) return;
    const parts = this.partial;
    this.partial = [];
    this.events.onMessage(this, parts);
  }

  private terminate(error?: Error): void {
    if (this.phase === Phase.Closed) return;
    this.phase = Phase.Closed;
    this.events.onClose(this, error);
  }
}
