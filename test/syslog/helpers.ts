// Shared helpers of the network tests: a self-signed certificate made by openssl at test time,
// waiting for a condition, and fixture lines.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  dir: string;
  cert: Buffer;
  key: Buffer;
  certPath: string;
  keyPath: string;
}

/** A P-256 self-signed certificate for 127.0.0.1 and localhost, valid one day. */
export function makeSelfSignedCert(cn = 'minerwatch-test'): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'mw-cert-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', `/CN=${cn}`,
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
  return { dir, cert: readFileSync(certPath), key: readFileSync(keyPath), certPath, keyPath };
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function fixtureLines(name: string): string[] {
  return readFileSync(new URL(`../fixtures/panos/${name}`, import.meta.url), 'utf8').split('\n').filter(Boolean);
}
