// Accounts, sessions and request authentication for the workbench and the API. Passwords are
// stored as scrypt hashes (N=2^15, r=8, p=1, 16-byte salt); sessions are random ids in an
// HttpOnly, SameSite=Strict cookie, with a per-session CSRF token that every write must echo in
// the X-CSRF-Token header. API tokens (for ingestion and automation) are random strings sent as
// `Authorization: Bearer`, stored only as their SHA-256.

import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Role, Store } from '../store/types.js';

const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_BYTES = 32;

function scrypt(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, KEY_BYTES, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export const ROLE_RANK: Record<Role, number> = { read_only: 0, analyst: 1, admin: 2 };

export interface Principal {
  username: string;
  role: Role;
  kind: 'session' | 'token';
  csrf?: string;
  sessionId?: string;
}

export const SESSION_COOKIE = 'mw_session';
/** How long a session lasts without a new login. */
export const SESSION_TTL_US = 12 * 3600 * 1_000_000;

/** Login attempts allowed per client address in LOGIN_WINDOW_MS before it must wait. */
export const LOGIN_ATTEMPTS_PER_WINDOW = 10;
export const LOGIN_WINDOW_MS = 60_000;
/** Addresses tracked at once; the oldest entry goes when full, so a flood cannot grow memory. */
export const LOGIN_LIMITER_MAX_KEYS = 10_000;

export class LoginRateLimiter {
  private readonly hits = new Map<string, { count: number; windowStart: number }>();
  limited = 0;
  constructor(private readonly nowMs: () => number) {}
  /** True when this attempt is allowed. */
  allow(key: string): boolean {
    const now = this.nowMs();
    let h = this.hits.get(key);
    if (!h || now - h.windowStart >= LOGIN_WINDOW_MS) {
      if (!h && this.hits.size >= LOGIN_LIMITER_MAX_KEYS) {
        const oldest = this.hits.keys().next().value;
        if (oldest !== undefined) this.hits.delete(oldest);
      }
      h = { count: 0, windowStart: now };
      this.hits.delete(key);
      this.hits.set(key, h);
    }
    h.count++;
    if (h.count > LOGIN_ATTEMPTS_PER_WINDOW) {
      this.limited++;
      return false;
    }
    return true;
  }
}

/** On first start: an admin account with the given or a generated one-time password. */
export async function ensureAdmin(store: Store, nowUs: number, password?: string): Promise<string | undefined> {
  if ((await store.countUsers()) > 0) return undefined;
  const pw = password ?? randomToken(12);
  await store.putUser({ username: 'admin', password_hash: await hashPassword(pw), role: 'admin', created_us: nowUs });
  return pw;
}
