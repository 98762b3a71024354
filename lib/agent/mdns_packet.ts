/**
 * The slice of the DNS message format (RFC 1035, with RFC 6762's mDNS bits)
 * that Serf's mDNS discovery needs: questions and PTR, SRV, TXT, A and AAAA
 * records. Other record types survive a decode as opaque bytes so a packet
 * from a chatty responder still yields the records we understand.
 *
 * Packets come from anyone on the link, so {@linkcode decodeDnsMessage}
 * bounds-checks every read and throws only {@linkcode DecodeError}.
 *
 * @module
 */
import { DecodeError } from "../util/errors.ts";
import { bytesToIp, ipToBytes } from "../util/addr.ts";

/** Record type codes used by mDNS service discovery. */
export const DNS_TYPE = { A: 1, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, ANY: 255 } as const;
/** The Internet class. */
export const DNS_CLASS_IN = 1;
/** Top bit of a question's class: "unicast response wanted" (RFC 6762 §5.4); of a record's: cache flush. */
export const DNS_CLASS_TOP_BIT = 0x8000;

/** A question; `name` is a fully qualified name ending in a dot. `class` keeps the unicast bit. */
export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

/** Fields every resource record carries. */
interface RecordHeader {
  name: string;
  class: number;
  /** Seconds. */
  ttl: number;
}

/** A resource record: one of the kinds discovery reads, or any other kind kept as raw bytes. */
export type DnsRecord =
  & RecordHeader
  & (
    | { type: "A"; address: string }
    | { type: "AAAA"; address: string }
    | { type: "PTR"; target: string }
    | { type: "SRV"; priority: number; weight: number; port: number; target: string }
    | { type: "TXT"; texts: string[] }
    | { type: "other"; code: number; data: Uint8Array }
  );

/** A whole DNS message. */
export interface DnsMessage {
  id: number;
  response: boolean;
  opcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
}

/** An empty query or response header, to spread fields over. */
export function emptyDnsMessage(): DnsMessage {
  return {
    id: 0,
    response: false,
    opcode: 0,
    authoritative: false,
    truncated: false,
    recursionDesired: false,
    rcode: 0,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
  };
}

const TYPE_CODES: Record<string, number> = { A: 1, PTR: 12, TXT: 16, AAAA: 28, SRV: 33 };
/** Longest name in wire form (RFC 1035 §2.3.4). */
const MAX_NAME_WIRE = 255;
const MAX_LABEL = 63;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ---------------------------------------------------------------- encoding

/** Growable byte buffer; names are written uncompressed, which every decoder accepts. */
class Writer {
  #buf = new Uint8Array(512);
  #len = 0;
  #ensure(n: number) {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }
  get length(): number {
    return this.#len;
  }
  u8(v: number) {
    this.#ensure(1);
    this.#buf[this.#len++] = v & 0xff;
  }
  u16(v: number) {
    this.u8(v >>> 8);
    this.u8(v);
  }
  u32(v: number) {
    this.u16(v >>> 16);
    this.u16(v & 0xffff);
  }
  bytes(b: Uint8Array) {
    this.#ensure(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }
  patchU16(at: number, v: number) {
    this.#buf[at] = (v >>> 8) & 0xff;
    this.#buf[at + 1] = v & 0xff;
  }
  done(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/**
 * Splits a presentation-form name into raw labels, honouring `\.`, `\\` and
 * `\DDD` escapes (the form {@linkcode decodeDnsMessage} produces).
 * @throws {RangeError} when a label or the whole name is too long
 */
export function nameToLabels(name: string): Uint8Array[] {
  const labels: Uint8Array[] = [];
  let cur: number[] = [];
  const bytes = encoder.encode(name);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x5c && i + 1 < bytes.length) {
      const d = bytes.subarray(i + 1, i + 4);
      if (d.length === 3 && d.every((x) => x >= 0x30 && x <= 0x39)) {
        cur.push(Number(decoder.decode(d)) & 0xff);
        i += 3;
      } else cur.push(bytes[++i]!);
    } else if (b === 0x2e) {
      if (cur.length > 0) labels.push(Uint8Array.from(cur));
      cur = [];
    } else cur.push(b);
  }
  if (cur.length > 0) labels.push(Uint8Array.from(cur));
  let wire = 1;
  for (const l of labels) {
    if (l.length > MAX_LABEL) {
      throw new RangeError(`Cannot encode DNS name: label longer than 63 bytes in ${name}`);
    }
    wire += l.length + 1;
  }
  if (wire > MAX_NAME_WIRE) throw new RangeError(`Cannot encode DNS name: longer than 255 bytes: ${name}`);
  return labels;
}

function writeName(w: Writer, name: string) {
  for (const l of nameToLabels(name)) {
    w.u8(l.length);
    w.bytes(l);
  }
  w.u8(0);
}

function writeRecord(w: Writer, r: DnsRecord) {
  writeName(w, r.name);
  w.u16(r.type === "other" ? r.code : TYPE_CODES[r.type]!);
  w.u16(r.class);
  w.u32(r.ttl >>> 0);
  const lenAt = w.length;
  w.u16(0);
  const start = w.length;
  switch (r.type) {
    case "A":
    case "AAAA": {
      const ip = ipToBytes(r.address);
      if (ip.length !== (r.type === "A" ? 4 : 16)) {
        throw new TypeError(`Cannot encode ${r.type} record: wrong address family: ${r.address}`);
      }
      w.bytes(ip);
      break;
    }
    case "PTR":
      writeName(w, r.target);
      break;
    case "SRV":
      w.u16(r.priority);
      w.u16(r.weight);
      w.u16(r.port);
      writeName(w, r.target);
      break;
    case "TXT":
      // An empty TXT must still hold one (empty) string (RFC 6763 §6.1).
      for (const t of r.texts.length ? r.texts : [""]) {
        const b = encoder.encode(t);
        if (b.length > 255) throw new RangeError(`Cannot encode TXT record: string longer than 255 bytes`);
        w.u8(b.length);
        w.bytes(b);
      }
      break;
    case "other":
      w.bytes(r.data);
  }
  w.patchU16(lenAt, w.length - start);
}

/**
 * Encodes a message to wire form, without name compression.
 * @throws {RangeError} or {TypeError} when a name, string or address cannot be encoded
 */
export function encodeDnsMessage(msg: DnsMessage): Uint8Array {
  const w = new Writer();
  w.u16(msg.id);
  w.u8(
    (msg.response ? 0x80 : 0) | ((msg.opcode & 0xf) << 3) | (msg.authoritative ? 4 : 0) |
      (msg.truncated ? 2 : 0) | (msg.recursionDesired ? 1 : 0),
  );
  w.u8(msg.rcode & 0xf);
  for (const n of [msg.questions, msg.answers, msg.authorities, msg.additionals]) w.u16(n.length);
  for (const q of msg.questions) {
    writeName(w, q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const r of [...msg.answers, ...msg.authorities, ...msg.additionals]) writeRecord(w, r);
  return w.done();
}

// ---------------------------------------------------------------- decoding

/** Bounds-checked reader over one packet. */
class Reader {
  constructor(readonly buf: Uint8Array, public pos = 0) {}
  need(n: number, what: string) {
    if (this.pos + n > this.buf.length) {
      throw new DecodeError(`Cannot decode DNS message: truncated ${what} at offset ${this.pos}`);
    }
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    return this.u16(what) * 0x10000 + this.u16(what);
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    return this.buf.subarray(this.pos, this.pos += n);
  }
}

function escapeLabel(label: Uint8Array): string {
  let out = "";
  for (const b of label) {
    if (b === 0x2e || b === 0x5c) out += "\\" + String.fromCharCode(b);
    else if (b < 0x21 || b > 0x7e) out += "\\" + String(b).padStart(3, "0");
    else out += String.fromCharCode(b);
  }
  return out;
}

/**
 * Reads a possibly compressed name. Compression pointers must point strictly
 * before the label that holds them, which rules out loops.
 */
function readName(r: Reader): string {
  const labels: string[] = [];
  let wire = 1;
  let pos = r.pos;
  let resume = -1;
  for (;;) {
    if (pos >= r.buf.length) {
      throw new DecodeError(`Cannot decode DNS message: truncated name at offset ${pos}`);
    }
    const len = r.buf[pos]!;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= r.buf.length) {
        throw new DecodeError(`Cannot decode DNS message: truncated pointer at ${pos}`);
      }
      const target = ((len & 0x3f) << 8) | r.buf[pos + 1]!;
      if (target >= pos) {
        throw new DecodeError(`Cannot decode DNS message: forward name pointer at offset ${pos}`);
      }
      if (resume < 0) resume = pos + 2;
      pos = target;
      continue;
    }
    if ((len & 0xc0) !== 0) {
      throw new DecodeError(`Cannot decode DNS message: bad label type at offset ${pos}`);
    }
    if (len === 0) {
      pos++;
      break;
    }
    wire += len + 1;
    if (wire > MAX_NAME_WIRE) throw new DecodeError(`Cannot decode DNS message: name longer than 255 bytes`);
    if (pos + 1 + len > r.buf.length) {
      throw new DecodeError(`Cannot decode DNS message: truncated label at ${pos}`);
    }
    labels.push(escapeLabel(r.buf.subarray(pos + 1, pos + 1 + len)));
    pos += 1 + len;
  }
  r.pos = resume >= 0 ? resume : pos;
  return labels.length ? labels.join(".") + "." : ".";
}

function readRecord(r: Reader): DnsRecord {
  const name = readName(r);
  const code = r.u16("record type");
  const klass = r.u16("record class");
  const ttl = r.u32("record TTL");
  const len = r.u16("record length");
  r.need(len, "record data");
  const end = r.pos + len;
  const head = { name, class: klass, ttl };
  // rdata may use pointers into the whole packet, so read in place and check the end afterwards.
  const inData = new Reader(r.buf.subarray(0, end), r.pos);
  let rec: DnsRecord;
  switch (code) {
    case DNS_TYPE.A:
    case DNS_TYPE.AAAA: {
      const size = code === DNS_TYPE.A ? 4 : 16;
      if (len !== size) throw new DecodeError(`Cannot decode DNS message: address record of ${len} bytes`);
      const address = bytesToIp(Uint8Array.from(inData.bytes(size, "address")));
      rec = code === DNS_TYPE.A ? { ...head, type: "A", address } : { ...head, type: "AAAA", address };
      break;
    }
    case DNS_TYPE.PTR:
      rec = { ...head, type: "PTR", target: readName(inData) };
      break;
    case DNS_TYPE.SRV: {
      const priority = inData.u16("SRV priority");
      const weight = inData.u16("SRV weight");
      const port = inData.u16("SRV port");
      rec = { ...head, type: "SRV", priority, weight, port, target: readName(inData) };
      break;
    }
    case DNS_TYPE.TXT: {
      const texts: string[] = [];
      while (inData.pos < end) {
        texts.push(decoder.decode(inData.bytes(inData.u8("TXT length"), "TXT string")));
      }
      rec = { ...head, type: "TXT", texts };
      break;
    }
    default:
      rec = { ...head, type: "other", code, data: Uint8Array.from(inData.bytes(len, "record data")) };
  }
  if (inData.pos !== end) throw new DecodeError(`Cannot decode DNS message: record data length mismatch`);
  r.pos = end;
  return rec;
}

/**
 * Decodes a DNS message, resolving name compression. Trailing bytes after the
 * last counted record are ignored, as most resolvers do.
 * @throws {DecodeError} on any malformed input
 */
export function decodeDnsMessage(buf: Uint8Array): DnsMessage {
  const r = new Reader(buf);
  const id = r.u16("header");
  const flags = r.u16("header");
  const counts = [r.u16("header"), r.u16("header"), r.u16("header"), r.u16("header")] as const;
  const msg: DnsMessage = {
    id,
    response: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 0xf,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    rcode: flags & 0xf,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
  };
  for (let i = 0; i < counts[0]; i++) {
    msg.questions.push({ name: readName(r), type: r.u16("question type"), class: r.u16("question class") });
  }
  for (let i = 0; i < counts[1]; i++) msg.answers.push(readRecord(r));
  for (let i = 0; i < counts[2]; i++) msg.authorities.push(readRecord(r));
  for (let i = 0; i < counts[3]; i++) msg.additionals.push(readRecord(r));
  return msg;
}
