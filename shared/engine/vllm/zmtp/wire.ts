// ZMTP 3.x wire encoding (rfc.zeromq.org/spec/23 ZMTP 3.0, spec/37 ZMTP 3.1), NULL security only:
// the 64-byte greeting, frames with MORE/LONG/COMMAND flags, and the commands PUB/SUB need
// (READY with Socket-Type, SUBSCRIBE/CANCEL of 3.1, PING/PONG heartbeats).

export const FrameFlag = { More: 0x01, Long: 0x02, Command: 0x04 } as const;

/** Frames above this size are refused (bytes): a corrupt length must not make us buffer gigabytes. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

export const GREETING_BYTES = 64;

export class ZmtpProtocolError extends Error {
  override name = 'ZmtpProtocolError';
}

/**
 * Our greeting: signature, version 3.0, mechanism NULL, as-server 0, filler. We announce minor 0 so
 * that libzmq peers send subscriptions as 3.0 messages; we still accept 3.1 SUBSCRIBE commands.
 */
export function encodeGreeting(): Buffer {
  const greeting = Buffer.alloc(GREETING_BYTES);
  greeting[0] = 0xff;
  greeting[9] = 0x7f;
  greeting[10] = 3;
  greeting[11] = 0;
  greeting.write('NULL', 12, 'ascii');
  return greeting;
}

export interface PeerGreeting {
  readonly major: number;
  readonly minor: number;
  readonly mechanism: string;
}

export function parseGreeting(bytes: Buffer): PeerGreeting {
  if (bytes.length < GREETING_BYTES) throw new ZmtpProtocolError(`greeting needs ${GREETING_BYTES} bytes`);
  if (bytes[0] !== 0xff || (bytes[9]! & 0x01) !== 1) throw new ZmtpProtocolError('not a ZMTP 3 greeting (bad signature)');
  const major = bytes[10]!;
  const minor = bytes[11]!;
  if (major < 3) throw new ZmtpProtocolError(`unsupported ZMTP version ${major}.${minor}`);
  const mechanism = bytes.subarray(12, 32).toString('ascii').replace(/\0+$/, '');
  if (mechanism !== 'NULL') throw new ZmtpProtocolError(`unsupported security mechanism '${mechanism}' (only NULL)`);
  return { major, minor, mechanism };
}

export function encodeFrame(body: Buffer, flags: number): Buffer {
  if (body.length > 255) {
    const header = Buffer.alloc(9);
    header[0] = flags | FrameFlag.Long;
    header.writeBigUInt64BE(BigInt(body.length), 1);
    return Buffer.concat([header, body]);
  }
  const header = Buffer.from([flags & ~FrameFlag.Long, body.length]);
  return Buffer.concat([header, body]);
}

/** A multipart message as consecutive frames, MORE set on all but the last. */
export function encodeMessage(parts: readonly Buffer[]): Buffer {
  if (parts.length === 0) throw new ZmtpProtocolError('a message has at least one frame');
  return Buffer.concat(parts.map((part, i) => encodeFrame(part, i < parts.length - 1 ? FrameFlag.More : 0)));
}

export function encodeCommand(name: string, data: Buffer): Buffer {
  const nameBytes = Buffer.from(name, 'ascii');
  return encodeFrame(Buffer.concat([Buffer.from([nameBytes.length]), nameBytes, data]), FrameFlag.Command);
}

export interface ZmtpCommand {
  readonly name: string;
  readonly data: Buffer;
}

export function parseCommand(body: Buffer): ZmtpCommand {
  if (body.length < 1 || body.length < 1 + body[0]!) throw new ZmtpProtocolError('truncated command frame');
  const nameLength = body[0]!;
  return { name: body.subarray(1, 1 + nameLength).toString('ascii'), data: body.subarray(1 + nameLength) };
}

/** READY metadata: name-length (1 byte), name, value-length (4 bytes BE), value. */
export function encodeReady(properties: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(properties)) {
    const nameBytes = Buffer.from(name, 'ascii');
    const valueBytes = Buffer.from(value, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(valueBytes.length, 0);
    parts.push(Buffer.from([nameBytes.length]), nameBytes, length, valueBytes);
  }
  return encodeCommand('READY', Buffer.concat(parts));
}

/** Property names are case-insensitive (ZMTP 3.0 section "The READY command"); keys are lowercased. */
export function parseReadyProperties(data: Buffer): Map<string, Buffer> {
  const properties = new Map<string, Buffer>();
  let offset = 0;
  while (offset < data.length) {
    const nameLength = data[offset]!;
    if (offset + 1 + nameLength + 4 > data.length) throw new ZmtpProtocolError('truncated READY property');
    const name = data.subarray(offset + 1, offset + 1 + nameLength).toString('ascii').toLowerCase();
    offset += 1 + nameLength;
    const valueLength = data.readUInt32BE(offset);
    offset += 4;
    if (offset + valueLength > data.length) throw new ZmtpProtocolError('truncated READY property value');
    properties.set(name, data.subarray(offset, offset + valueLength));
    offset += valueLength;
  }
  return properties;
}

export interface ZmtpFrame {
  readonly flags: number;
  readonly body: Buffer;
}

/** Incremental frame parser: feed TCP chunks, take whole frames. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): ZmtpFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: ZmtpFrame[] = [];
    let offset = 0;
    for (;;) {
      if (this.pending.length - offset < 2) break;
      const flags = this.pending[offset]!;
      if ((flags & 0xf8) !== 0) throw new ZmtpProtocolError(`reserved frame flag bits set (0x${flags.toString(16)})`);
      let headerBytes = 2;
      let size: number;
      if (flags & FrameFlag.Long) {
        if (this.pending.length - offset < 9) break;
        const longSize = this.pending.readBigUInt64BE(offset + 1);
        if (longSize > BigInt(MAX_FRAME_BYTES)) throw new ZmtpProtocolError(`frame of ${longSize} bytes exceeds the limit`);
        size = Number(longSize);
        headerBytes = 9;
      } else {
        size = this.pending[offset + 1]!;
      }
      if (this.pending.length - offset < headerBytes + size) break;
      // Copy: the body must not pin the (possibly large) receive buffer.
      const body = Buffer.from(this.pending.subarray(offset + headerBytes, offset + headerBytes + size));
      frames.push({ flags, body });
      offset += headerBytes + size;
    }
    this.pending = offset === 0 ? this.pending : this.pending.subarray(offset);
    return frames;
  }
}
