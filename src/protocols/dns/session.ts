// Per-flow DNS state: one message per UDP datagram, or messages framed by the two-byte length
// prefix over TCP (RFC 1035 section 4.2.2; RFC 7766). Raises `dns.query` and `dns.answer` facts
// (the answer carrying the addresses and CNAME chain policy needs to learn pool addresses).

import { OK, NEED_MORE, DONE, violation } from '../analyser.js';
import type { AnalyserSession, Direction, SessionContext, SessionStatus } from '../analyser.js';
import { MAX_ANSWERS, parseDnsMessage, rcodeName, typeName } from './parser.js';
import type { DnsMessage } from './parser.js';
import type { DnsAnswer, DnsQuery, DnsRecord } from './record.js';

export interface DnsLimits {
  /** Queries and answers listed in the record, each. Default 32. Counter: record `messages_dropped`. */
  maxListed: number;
  /** Messages parsed per flow before the session is done. Default 256. */
  maxMessages: number;
  /** Largest TCP message accepted, bytes. Default 65535 (the prefix's maximum). */
  maxTcpMessageBytes: number;
  /** Consecutive unparseable messages before the session gives up. Default 4. */
  maxBadMessages: number;
}

export const DEFAULT_DNS_LIMITS: Readonly<DnsLimits> = Object.freeze({
  maxListed: 32,
  maxMessages: 256,
  maxTcpMessageBytes: 65535,
  maxBadMessages: 4,
});

const EMPTY = new Uint8Array(0);
/** Messages up to this size are kept as bytes and re-read for the record; larger ones parsed. */
const MAX_KEPT_MESSAGE_BYTES = 1024;
const keepScratch = Buffer.alloc(MAX_KEPT_MESSAGE_BYTES + 1);
/** First buffer for a TCP message split across segments (a typical answer fits). */
const TCP_INITIAL_BUFFER_BYTES = 514;

export class DnsSession implements AnalyserSession {
  /**
   * What the record lists, in arrival order: a message as latin1 text (re-read when the record is
   * built: far smaller than the parsed objects, and most flows' records are never read), or for a
   * large message the entries themselves. Text form: first char 0 for a response, n (1..) for a
   * query whose first n questions are listed.
   */
  private kept: Array<string | DnsQuery[] | DnsAnswer> | undefined;
  private listedQueries = 0;
  private listedAnswers = 0;
  private dropped = 0;
  private queryCount = 0;
  private responseCount = 0;
  private messages = 0;
  private badInARow = 0;
  /** Created at the first anomaly (most flows have none). */
  private anomalies: Map<string, number> | undefined;
  private readonly isTcp: boolean;
  /** TCP reassembly of one length-prefixed message per direction (allocated when first needed). */
  private tcpBuf0: Uint8Array = EMPTY;
  private tcpBuf1: Uint8Array = EMPTY;
  private tcpUsed0 = 0;
  private tcpUsed1 = 0;
  private isFinished = false;

  constructor(
    private readonly ctx: SessionContext,
    private readonly limits: Readonly<DnsLimits> = DEFAULT_DNS_LIMITS,
  ) {
    this.isTcp = ctx.flow.transport === 'tcp';
  }

  private anomaly(name: string): void {
    this.anomalies ??= new Map();
    this.anomalies.set(name, (this.anomalies.get(name) ?? 0) + 1);
    this.ctx.anomaly(name);
  }

  onData(direction: Direction, data: Uint8Array, tsUs: number): SessionStatus {
    if (this.isFinished) return DONE;
    if (!this.isTcp) {
      this.onMessage(direction, data, tsUs);
    } else {
      let pos = 0;
      while (pos < data.length && !this.isFinished) pos = this.tcpStep(direction, data, pos, tsUs);
    }
    if (this.badInARow >= this.limits.maxBadMessages && this.messages === this.badInARow) {
      this.isFinished = true;
      return violation('dns.not_dns');
    }
    if (this.messages >= this.limits.maxMessages) this.isFinished = true;
    if (this.isFinished) return DONE;
    return this.isTcp && (direction === 0 ? this.tcpUsed0 : this.tcpUsed1) > 0 ? NEED_MORE : OK;
  }

  private setTcpUsed(direction: Direction, used: number): void {
    if (direction === 0) this.tcpUsed0 = used;
    else this.tcpUsed1 = used;
  }

  private tcpStep(direction: Direction, data: Uint8Array, pos: number, tsUs: number): number {
    let buf = direction === 0 ? this.tcpBuf0 : this.tcpBuf1;
    let used = direction === 0 ? this.tcpUsed0 : this.tcpUsed1;
    // Whole message inside this segment and nothing held: parse in place.
    if (used === 0 && data.length - pos >= 2) {
      const len = (data[pos]! << 8) | data[pos + 1]!;
      if (data.length - pos >= 2 + len) {
        this.onTcpMessage(direction, data.subarray(pos + 2, pos + 2 + len), len, tsUs);
        return pos + 2 + len;
      }
    }
    const need = used < 2 ? 2 : 2 + ((buf[0]! << 8) | buf[1]!);
    const take = Math.min(need - used, data.length - pos);
    if (need > buf.length) {
      if (need - 2 > this.limits.maxTcpMessageBytes) {
        this.anomaly('dns.tcp_message_too_long');
        this.isFinished = true;
        return data.length;
      }
      const next = new Uint8Array(Math.max(need, TCP_INITIAL_BUFFER_BYTES));
      next.set(buf.subarray(0, used));
      buf = next;
      if (direction === 0) this.tcpBuf0 = next;
      else this.tcpBuf1 = next;
    }
    buf.set(data.subarray(pos, pos + take), used);
    used += take;
    this.setTcpUsed(direction, used);
    if (used >= 2) {
      const full = 2 + ((buf[0]! << 8) | buf[1]!);
      if (used === full) {
        this.setTcpUsed(direction, 0);
        this.onTcpMessage(direction, buf.subarray(2, full), full - 2, tsUs);
      }
    }
    return pos + take;
  }

  private onTcpMessage(direction: Direction, bytes: Uint8Array, len: number, tsUs: number): void {
    if (len > this.limits.maxTcpMessageBytes) {
      this.anomaly('dns.tcp_message_too_long');
      return;
    }
    this.onMessage(direction, bytes, tsUs);
  }

  private onMessage(direction: Direction, bytes: Uint8Array, tsUs: number): void {
    this.messages++;
    const r = parseDnsMessage(bytes);
    if (r.kind === 'error') {
      this.badInARow++;
      this.anomaly(`dns.${r.code}`);
      return;
    }
    this.badInARow = 0;
    const msg = r.msg;
    if (msg.skippedQuestions > 0) this.anomaly('dns.too_many_questions');
    if (msg.skippedAnswers > 0) this.anomaly('dns.too_many_answers');
    if (!msg.isResponse) this.onQuery(direction, msg, bytes, tsUs);
    else this.onResponse(direction, msg, bytes, tsUs);
  }

  private onQuery(direction: Direction, msg: DnsMessage, bytes: Uint8Array, tsUs: number): void {
    this.queryCount++;
    let listed = 0;
    for (const q of msg.questions) {
      const query: DnsQuery = { id: msg.id, rrname: q.name, rrtype: typeName(q.type) };
      if (this.listedQueries < this.limits.maxListed) {
        this.listedQueries++;
        listed++;
      } else this.dropped++;
      this.ctx.emit({ name: 'dns.query', tsUs, direction, data: { ...query } });
    }
    if (listed > 0) this.keep(listed, bytes, () => queriesOf(msg).slice(0, listed));
  }

  private onResponse(direction: Direction, msg: DnsMessage, bytes: Uint8Array, tsUs: number): void {
    this.responseCount++;
    const answer = answerOf(msg);
    if (this.listedAnswers < this.limits.maxListed) {
      this.listedAnswers++;
      this.keep(0, bytes, () => answerOf(msg));
    } else this.dropped++;
    this.ctx.emit({ name: 'dns.answer', tsUs, direction, data: { ...answer, rrname: answer.query, rrtype: answer.query_type } });
  }

  /** Appends to `kept`, sized exactly for the usual one or two messages (a push would reserve 17). */
  private keepEntry(entry: string | DnsQuery[] | DnsAnswer): void {
    const k = this.kept;
    if (k === undefined) this.kept = [entry];
    else if (k.length === 1) this.kept = [k[0]!, entry];
    else k.push(entry);
  }

  /** Keeps a listed message: as text when small, else as the entries `parsed` builds. */
  private keep(kind: number, bytes: Uint8Array, parsed: () => DnsQuery[] | DnsAnswer): void {
    if (bytes.length <= MAX_KEPT_MESSAGE_BYTES) {
      // One flat string: the kind byte and the message copied side by side, then decoded once.
      keepScratch[0] = kind;
      keepScratch.set(bytes, 1);
      this.keepEntry(keepScratch.toString('latin1', 0, bytes.length + 1));
    } else {
      this.keepEntry(parsed());
    }
  }

  onGap(direction: Direction, _length: number, _tsUs: number): SessionStatus {
    // A TCP gap breaks the length framing for good.
    this.anomaly('dns.gap');
    if (this.isTcp) {
      this.setTcpUsed(direction, 0);
      this.isFinished = true;
      return DONE;
    }
    return OK;
  }

  onEnd(_tsUs: number): void {
    if (this.tcpUsed0 > 0 || this.tcpUsed1 > 0) this.anomaly('dns.truncated_tcp_message');
  }

  record(): Record<string, unknown> | undefined {
    if (this.queryCount + this.responseCount === 0) return undefined;
    const queries: DnsQuery[] = [];
    const answers: DnsAnswer[] = [];
    for (const k of this.kept ?? []) {
      if (typeof k !== 'string') {
        if (Array.isArray(k)) queries.push(...k.map((q) => ({ ...q })));
        else answers.push(copyAnswer(k));
        continue;
      }
      const kind = k.charCodeAt(0);
      const raw = Buffer.from(k.slice(1), 'latin1');
      const r = parseDnsMessage(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
      // It parsed when it was kept; the same bytes parse the same way.
      if (r.kind !== 'ok') continue;
      if (kind === 0) answers.push(answerOf(r.msg));
      else queries.push(...queriesOf(r.msg).slice(0, kind));
    }
    const rec: DnsRecord = {
      queries,
      answers,
      messages_dropped: this.dropped,
      query_count: this.queryCount,
      response_count: this.responseCount,
    };
    if (this.anomalies !== undefined && this.anomalies.size > 0) rec.anomalies = Object.fromEntries(this.anomalies);
    return rec as unknown as Record<string, unknown>;
  }
}

function queriesOf(msg: DnsMessage): DnsQuery[] {
  return msg.questions.map((q) => ({ id: msg.id, rrname: q.name, rrtype: typeName(q.type) }));
}

/** The listed form of a response (EVE `dns.answers[]`). */
function answerOf(msg: DnsMessage): DnsAnswer {
  const q = msg.questions[0];
  const answer: DnsAnswer = {
    id: msg.id,
    query: q?.name ?? '',
    query_type: q !== undefined ? typeName(q.type) : '',
    rcode: rcodeName(msg.rcode),
    addresses: [],
    cnames: [],
    answers: [],
  };
  let ttlMin = Infinity;
  const n = Math.min(msg.answers.length, MAX_ANSWERS);
  for (let i = 0; i < n; i++) {
    const rr = msg.answers[i]!;
    const rec: DnsAnswer['answers'][number] = { rrname: rr.name, rrtype: typeName(rr.type), ttl: rr.ttl };
    if (rr.rdata !== undefined) rec.rdata = rr.rdata;
    answer.answers.push(rec);
    if ((rr.type === 1 || rr.type === 28) && rr.rdata !== undefined) answer.addresses.push(rr.rdata);
    if (rr.type === 5 && rr.rdata !== undefined) answer.cnames.push(rr.rdata);
    if (rr.type !== 41) ttlMin = Math.min(ttlMin, rr.ttl);
  }
  if (Number.isFinite(ttlMin)) answer.ttl_min = ttlMin;
  return answer;
}

function copyAnswer(a: DnsAnswer): DnsAnswer {
  return { ...a, addresses: [...a.addresses], cnames: [...a.cnames], answers: a.answers.map((x) => ({ ...x })) };
}
