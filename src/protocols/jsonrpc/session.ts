// Per-flow state of the generic JSON-RPC analyser over a TCP stream: frames concatenated JSON
// values (newline-delimited or not), counts methods and responses, and steps aside for the stratum
// analyser as soon as a mining message appears, so a mining flow is reported as stratum only.

import { DONE, NEED_MORE, OK, violation } from '../analyser.js';
import type { AnalyserSession, Direction, SessionContext, SessionStatus } from '../analyser.js';
import { DEFAULT_MAX_JSON_DEPTH, DEFAULT_MAX_LINE_BYTES, JsonValueFramer, parseJsonBytes } from '../json/line-json.js';
import type { ValueEvent } from '../json/line-json.js';
import { classifyMining, isRecord, readCryptoNoteJob, toRpcMessage } from '../stratum/parser.js';
import { JsonRpcTally } from './parser.js';

export interface JsonRpcLimits {
  /** Longest JSON value accepted, bytes. Default 16 KiB. Counter: anomaly `jsonrpc.message_too_long`. */
  maxMessageBytes: number;
  /** Deepest nesting. Default 32. Counter: anomaly `jsonrpc.json_too_deep`. */
  maxJsonDepth: number;
  /** Bytes consumed per direction before the session is done. Default 64 KiB. */
  maxBytesPerDirection: number;
  /** Non-JSON-RPC values before the session gives up. Default 8. */
  maxForeignValues: number;
}

export const DEFAULT_JSONRPC_LIMITS: Readonly<JsonRpcLimits> = Object.freeze({
  maxMessageBytes: DEFAULT_MAX_LINE_BYTES,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
  maxBytesPerDirection: 64 * 1024,
  maxForeignValues: 8,
});

/** True when a parsed value is a mining message (what the stratum analyser owns). */
export function isMiningValue(value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  for (const v of values) {
    const msg = toRpcMessage(v);
    if (msg === undefined) continue;
    if (classifyMining(msg) !== undefined) return true;
    if (isRecord(msg.result) && readCryptoNoteJob(msg.result['job']) !== undefined) return true;
  }
  return false;
}

export class JsonRpcSession implements AnalyserSession {
  private readonly framers: [JsonValueFramer, JsonValueFramer];
  private readonly tally: JsonRpcTally;
  private readonly bytesSeen: [number, number] = [0, 0];
  private foreign = 0;
  /** A JSON value was seen in this direction. */
  private readonly hasValue: [boolean, boolean] = [false, false];
  private status: SessionStatus = OK;
  private isMining = false;
  /** Direction and time of the chunk being framed, read by the value callback (made once). */
  private curDirection: Direction = 0;
  private curTsUs = 0;
  private readonly onValueEvent = (ev: ValueEvent): void => this.onValue(this.curDirection, ev, this.curTsUs);

  constructor(
    ctx: SessionContext,
    private readonly limits: Readonly<JsonRpcLimits> = DEFAULT_JSONRPC_LIMITS,
  ) {
    this.framers = [new JsonValueFramer(limits.maxMessageBytes), new JsonValueFramer(limits.maxMessageBytes)];
    this.tally = new JsonRpcTally({
      emit: (name, tsUs, direction, data) => ctx.emit({ name, tsUs, direction, data }),
      anomaly: (name) => ctx.anomaly(name),
    });
  }

  onData(direction: Direction, data: Uint8Array, tsUs: number): SessionStatus {
    if (this.status.kind === 'violation' || this.status.kind === 'done') return this.status;
    const room = this.limits.maxBytesPerDirection - this.bytesSeen[direction];
    if (room <= 0) return this.checkDone();
    const chunk = data.length > room ? data.subarray(0, room) : data;
    this.bytesSeen[direction] += chunk.length;
    this.curDirection = direction;
    this.curTsUs = tsUs;
    this.framers[direction].push(chunk, this.onValueEvent);
    // onValue may have switched the status (a mining message): re-read it through a method.
    if (this.current().kind === 'violation') return this.status;
    if (this.tally.messageCount === 0 && this.foreign >= this.limits.maxForeignValues) {
      this.status = violation('jsonrpc.not_jsonrpc');
      return this.status;
    }
    if (this.bytesSeen[direction] >= this.limits.maxBytesPerDirection) return this.checkDone();
    return this.framers[direction].pendingBytes > 0 ? NEED_MORE : OK;
  }

  private onValue(direction: Direction, ev: ValueEvent, tsUs: number): void {
    if (this.status.kind === 'violation') return;
    if (ev.kind === 'too_long') {
      this.tally.anomaly('jsonrpc.message_too_long');
      return;
    }
    if (ev.kind === 'garbage') {
      // JSON-RPC over raw TCP is JSON both ways: a direction that opens with other bytes (an HTTP
      // request, a TLS ClientHello answered by a JSON error) is not this protocol.
      if (!this.hasValue[direction]) {
        this.status = violation('jsonrpc.not_jsonrpc');
        return;
      }
      this.foreign++;
      this.tally.anomaly('jsonrpc.non_json_bytes');
      return;
    }
    this.hasValue[direction] = true;
    const parsed = parseJsonBytes(ev.bytes, this.limits.maxJsonDepth);
    if (parsed.kind === 'error') {
      this.foreign++;
      this.tally.anomaly(`jsonrpc.${parsed.code === 'too_deep' ? 'json_too_deep' : parsed.code}`);
      return;
    }
    if (isMiningValue(parsed.value)) {
      // The stratum analyser reports this flow; a JSON-RPC record would only repeat it.
      this.isMining = true;
      this.status = violation('jsonrpc.mining_protocol');
      return;
    }
    if (!this.tally.add(direction, parsed.value, tsUs)) this.foreign++;
  }

  private current(): SessionStatus {
    return this.status;
  }

  private checkDone(): SessionStatus {
    if (this.bytesSeen[0] >= this.limits.maxBytesPerDirection && this.bytesSeen[1] >= this.limits.maxBytesPerDirection) {
      this.status = DONE;
    }
    return this.status;
  }

  onGap(direction: Direction, _length: number, _tsUs: number): SessionStatus {
    this.framers[direction].reset();
    this.tally.anomaly('jsonrpc.gap');
    return this.status;
  }

  onEnd(_tsUs: number): void {
    if (!this.isMining && (this.framers[0].pendingBytes > 0 || this.framers[1].pendingBytes > 0)) {
      this.tally.anomaly('jsonrpc.truncated_message');
    }
  }

  record(): Record<string, unknown> | undefined {
    if (this.isMining) return undefined;
    return this.tally.record() as Record<string, unknown> | undefined;
  }
}
