// Per-flow Stratum V2 state: measures the client's first flight (bytes before the server's first
// byte) and the server's first flight (bytes before the client speaks again), then decides once.

import { DONE, OK, violation } from '../analyser.js';
import type { AnalyserSession, Direction, SessionContext, SessionStatus } from '../analyser.js';
import { CLIENT_FIRST_BYTES, MAX_PRINTABLE_RATIO, SERVER_FIRST_BYTES, SERVER_FIRST_BYTES_NO_SIGNATURE, printableCount } from './parser.js';
import type { StratumV2Record } from './record.js';

export class StratumV2Session implements AnalyserSession {
  private clientBytes = 0;
  private serverBytes = 0;
  private printable = 0;
  /** 0: client's first flight; 1: server's first flight; 2: decided. */
  private phase: 0 | 1 | 2 = 0;
  private result: StratumV2Record | undefined;
  private status: SessionStatus = OK;

  constructor(private readonly ctx: SessionContext) {}

  onData(direction: Direction, data: Uint8Array, tsUs: number): SessionStatus {
    if (this.phase === 2) return this.status;
    if (direction === 0) {
      if (this.phase === 1) return this.decide(tsUs, direction);
      this.clientBytes += data.length;
      this.printable += printableCount(data);
      if (this.clientBytes > CLIENT_FIRST_BYTES) return this.fail();
      return OK;
    }
    if (this.phase === 0) {
      if (this.clientBytes !== CLIENT_FIRST_BYTES) return this.fail();
      this.phase = 1;
    }
    this.serverBytes += data.length;
    this.printable += printableCount(data);
    if (this.serverBytes > SERVER_FIRST_BYTES) return this.fail();
    return OK;
  }

  private fail(): SessionStatus {
    this.phase = 2;
    this.status = violation('stratum_v2.shape_mismatch');
    return this.status;
  }

  private decide(tsUs: number, direction: Direction): SessionStatus {
    const isSize = this.serverBytes === SERVER_FIRST_BYTES || this.serverBytes === SERVER_FIRST_BYTES_NO_SIGNATURE;
    const total = this.clientBytes + this.serverBytes;
    const ratio = total === 0 ? 1 : this.printable / total;
    if (this.clientBytes !== CLIENT_FIRST_BYTES || !isSize || ratio > MAX_PRINTABLE_RATIO) return this.fail();
    this.phase = 2;
    this.result = {
      handshake_shape: this.serverBytes === SERVER_FIRST_BYTES ? 'noise-nx-ellswift' : 'noise-nx-no-signature',
      client_first_bytes: this.clientBytes,
      server_first_bytes: this.serverBytes,
      printable_ratio: Math.round(ratio * 1000) / 1000,
    };
    this.ctx.emit({ name: 'stratum_v2.handshake_shape', tsUs, direction, data: { ...this.result } });
    this.status = DONE;
    return DONE;
  }

  onGap(_direction: Direction, _length: number, _tsUs: number): SessionStatus {
    // Sizes are all this analyser has: a gap makes them unknown.
    if (this.phase !== 2) return this.fail();
    return this.status;
  }

  onEnd(tsUs: number): void {
    // The capture may end right after the server's answer.
    if (this.phase === 1) this.decide(tsUs, 1);
  }

  record(): Record<string, unknown> | undefined {
    return this.result === undefined ? undefined : ({ ...this.result } as unknown as Record<string, unknown>);
  }
}
