// The workbench in a real browser (Debian chromium driven by playwright-core) against a real
// `serve` on loopback: log in, find the lab miner's alert, open it, read the stratum steps and the
// chart, record a verdict, watch the metrics change; an attacker-chosen worker name renders inert.
// Screenshots of the main pages are kept under test-artifacts/workbench/.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServer } from '../../src/cli/commands/serve.js';
import type { CliIo } from '../../src/cli/io.js';

/** The lab miner's conversation alert: named by its accepted shares, else by the pool's job. */
const MINER_SIGNATURE = /MINERWATCH Mining (shares submitted to a pool|pool pushed work to a client)/;

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'workbench');
const XSS = '<img src=x onerror=alert(1)>';
let dir: string;
let server: RunningServer;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'mw-web-'));
  const io: CliIo = { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), isStdoutTty: false, env: { MINERWATCH_ADMIN_PASSWORD: 'workbench-test-pw' } };
  server = await startServe(
    { http: '127.0.0.1:0', db: join(dir, 'mw.db'), netflow: false, ipfix: false, syslog: false, sample: true },
    io,
  );
  // An alert whose attacker-controlled fields carry markup.
  await server.runtime.acceptAlerts([
    {
      id: 'xss-alert',
      source: 'eve',
      ts_us: Date.UTC(2026, 10, 27, 11) * 1000,
      src_ip: '10.9.8.7',
      src_port: 51000,
      dest_ip: '198.51.100.9',
      dest_port: 4444,
      proto: 'TCP',
      alert: { action: 'allowed', gid: 1, signature_id: 2024792, rev: 3, signature: `ET COINMINER worker ${XSS}`, category: 'Crypto Currency Mining Activity Detected', severity: 2 },
      confidence: 0.5,
      explanation: `Worker ${XSS} logged in`,
      rules: [],
      evidence: { stratum: { worker: XSS, agent: `<script>alert(2)</script>` } },
    },
  ]);
  await server.runtime.idle();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the workbench in chromium', () => {
  it('asks for a login and refuses a wrong password', async () => {
    await page.goto(`${server.url}/`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'wrong');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]'), { timeout: 15_000 }).toContain('Wrong user name or password');
    await page.screenshot({ path: join(ARTIFACTS, 'login.png') });
  });

  it('logs in and shows the lab miner in the queue', async () => {
    await page.fill('input[name=password]', 'workbench-test-pw');
    await page.click('button[type=submit]');
    const row = page.locator('.row', { hasText: '10.1.2.3' }).first();
    await row.waitFor();
    expect(await row.textContent()).toMatch(MINER_SIGNATURE);
    expect(await row.textContent()).toMatch(/true positive/);
    await page.screenshot({ path: join(ARTIFACTS, 'queue.png') });
  });

  it('opens the alert: stratum steps, conversation timeline and chart are there', async () => {
    await page.locator('.row', { hasText: '10.1.2.3' }).first().click();
    await page.locator('[data-test=steps]').waitFor();
    expect(await page.textContent('[data-test=steps]')).toBe('login -> job -> submit -> result');
    const tags = await page.locator('[data-test=timeline] .step-tag').allTextContents();
    expect(tags.slice(0, 2)).toEqual(['login', 'job']);
    expect(tags).toContain('submit');
    expect(await page.locator('[data-test=chart] canvas').count()).toBeGreaterThan(0);
    expect(await page.textContent('[data-test=triage-verdict]')).toMatch(/true positive \(99%\)/);
    await page.screenshot({ path: join(ARTIFACTS, 'alert-detail.png'), fullPage: true });
  });

  it('records a verdict and the metrics page changes', async () => {
    await page.goto(`${server.url}/#/metrics`);
    const table = page.locator('[data-test="True-positive rate per signature"]');
    await table.waitFor();
    const before = await table.textContent();
    expect(before).toMatch(MINER_SIGNATURE);
    await page.goto(`${server.url}/#/queue`);
    await page.locator('.row', { hasText: '10.1.2.3' }).first().click();
    await page.locator('button[data-verdict=true_positive]').click();
    await expect.poll(() => page.textContent('[data-test=analyst-verdict] .kv'), { timeout: 15_000 }).toMatch(/true positive/);
    await page.goto(`${server.url}/#/metrics`);
    await table.waitFor();
    await expect.poll(() => table.textContent(), { timeout: 15_000 }).toContain('100%');
    expect(await table.textContent()).not.toBe(before);
    await page.screenshot({ path: join(ARTIFACTS, 'metrics.png'), fullPage: true });
  });

  it('renders an attacker-chosen worker name as inert text', async () => {
    await page.goto(`${server.url}/#/alert/xss-alert`);
    await page.locator('[data-test=explanation]').waitFor();
    expect(await page.textContent('[data-test=explanation]')).toBe(`Worker ${XSS} logged in`);
    expect(await page.locator('img[src=x]').count()).toBe(0);
    expect(await page.locator('script:text("alert(2)")').count()).toBe(0);
    await page.goto(`${server.url}/#/queue`);
    await page.locator('.row', { hasText: '10.9.8.7' }).first().waitFor();
    expect(await page.locator('img[src=x]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'xss-inert.png') });
    expect(dialogs).toEqual([]);
  });
});
