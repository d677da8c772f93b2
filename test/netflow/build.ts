// Builds NetFlow v9 and IPFIX messages byte by byte from the layouts of RFC 3954 section 5 and
// RFC 7011 section 3, for tests of features the softflowd captures do not exercise (withdrawal,
// enterprise and variable-length fields, options sampling, data before template, hostile sizes).

export class Bytes {
  private readonly parts: number[] = [];
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16(Math.floor(v / 0x10000)).u16(v & 0xffff);
  }
  u64(v: number): this {
    return this.u32(Math.floor(v / 0x100000000)).u32(v % 0x100000000);
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push((b[i] as number) & 0xff);
    return this;
  }
  ip4(s: string): this {
    return this.raw(s.split('.').map(Number));
  }
  get length(): number {
    return this.parts.length;
  }
  build(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export type Field = [ie: number, length: number, enterprise?: number];

/** IPFIX set: id, length, body (RFC 7011 section 3.3.2). */
export function ipfixSet(id: number, body: Uint8Array): Uint8Array {
  return new Bytes().u16(id).u16(body.length + 4).raw(body).build();
}

/** IPFIX template record (RFC 7011 section 3.4.1); enterprise fields get the top bit and a PEN. */
export function ipfixTemplate(id: number, fields: Field[]): Uint8Array {
  const b = new Bytes().u16(id).u16(fields.length);
  for (const [ie, len, pen] of fields) {
    if (pen !== undefined) b.u16(ie | 0x8000).u16(len).u32(pen);
    else b.u16(ie).u16(len);
  }
  return b.build();
}

/** IPFIX options template record (RFC 7011 section 3.4.2.2). */
export function ipfixOptionsTemplate(id: number, scope: Field[], fields: Field[]): Uint8Array {
  const b = new Bytes().u16(id).u16(scope.length + fields.length).u16(scope.length);
  for (const [ie, len] of [...scope, ...fields]) b.u16(ie).u16(len);
  return b.build();
}

/** IPFIX message header (RFC 7011 section 3.1) around sets. */
export function ipfixMessage(exportSecs: number, domain: number, sets: Uint8Array[], seq = 0): Uint8Array {
  const body = concat(sets);
  return new Bytes().u16(10).u16(16 + body.length).u32(exportSecs).u32(seq).u32(domain).raw(body).build();
}

/** v9 packet header (RFC 3954 section 5.1) around FlowSets; `count` is deliberately free. */
export function v9Packet(sysUptimeMs: number, unixSecs: number, sourceId: number, sets: Uint8Array[], count = 0): Uint8Array {
  return new Bytes().u16(9).u16(count).u32(sysUptimeMs).u32(unixSecs).u32(0).u32(sourceId).raw(concat(sets)).build();
}

/** v9 FlowSet (same framing as an IPFIX set). */
export const v9Set = ipfixSet;

export function v9Template(id: number, fields: Field[]): Uint8Array {
  const b = new Bytes().u16(id).u16(fields.length);
  for (const [ie, len] of fields) b.u16(ie).u16(len);
  return b.build();
}

/** v9 options template (RFC 3954 section 6.1): scope and option lengths are in bytes. */
export function v9OptionsTemplate(id: number, scope: Field[], fields: Field[]): Uint8Array {
  const b = new Bytes().u16(id).u16(scope.length * 4).u16(fields.length * 4);
  for (const [ie, len] of [...scope, ...fields]) b.u16(ie).u16(len);
  return b.build();
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function hexLines(text: string): Uint8Array[] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => Uint8Array.from(Buffer.from(l.trim(), 'hex')));
}
