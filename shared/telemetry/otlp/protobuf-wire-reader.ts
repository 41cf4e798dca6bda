// The protobuf wire format (protobuf.dev/programming-guides/encoding): varints, fixed 64-bit values and
// length-delimited fields, which is all OTLP trace requests use.
import { OtlpDecodeError } from './collected-span.js';

export const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;

export class WireReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw new OtlpDecodeError('truncated varint');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new OtlpDecodeError('varint longer than 10 bytes');
  }

  tag(): { field: number; wire: number } {
    const tag = Number(this.varint());
    return { field: tag >>> 3, wire: tag & 7 };
  }

  bytes(): Uint8Array {
    const length = Number(this.varint());
    if (this.pos + length > this.buf.length) throw new OtlpDecodeError('truncated length-delimited field');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  string(): string {
    return new TextDecoder().decode(this.bytes());
  }

  fixed64(): bigint {
    if (this.pos + 8 > this.buf.length) throw new OtlpDecodeError('truncated fixed64');
    const value = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return value;
  }

  double(): number {
    if (this.pos + 8 > this.buf.length) throw new OtlpDecodeError('truncated double');
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  skip(wire: number): void {
    if (wire === WireType.Varint) this.varint();
    else if (wire === WireType.Fixed64) this.pos += 8;
    else if (wire === WireType.LengthDelimited) this.bytes();
    else if (wire === WireType.Fixed32) this.pos += 4;
    else throw new OtlpDecodeError(`unsupported wire type ${wire}`);
  }
}

/** Calls onField for each field of a message; onField returns false for fields it did not read. */
export function readMessage(buf: Uint8Array, onField: (field: number, wire: number, r: WireReader) => boolean): void {
  const r = new WireReader(buf);
  while (!r.atEnd()) {
    const { field, wire } = r.tag();
    if (!onField(field, wire, r)) r.skip(wire);
  }
}
