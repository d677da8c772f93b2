// Injected time. Analysis code takes time from packets or from a Clock it is given, never from
// the global clock, so the same input gives the same output (DESIGN.md, "Determinism").

export interface Clock {
  /** Microseconds since the Unix epoch. */
  nowUs(): number;
}

export const systemClock: Clock = {
  nowUs: () => Date.now() * 1000,
};

/** A clock that tests and replays move by hand. */
export class ManualClock implements Clock {
  constructor(private us = 0) {}
  nowUs(): number {
    return this.us;
  }
  set(us: number): void {
    this.us = us;
  }
  advance(us: number): void {
    this.us += us;
  }
}

/** ISO 8601 with microseconds and an explicit UTC offset, as Suricata EVE writes it. */
export function eveTimestamp(tsUs: number): string {
  const ms = Math.floor(tsUs / 1000);
  const micros = Math.floor(tsUs - ms * 1000);
  const iso = new Date(ms).toISOString(); // 2026-01-02T03:04:05.678Z
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}+0000`;
}
