// PAN-OS XML API client (`https://FIREWALL/api/`): API key generation, asynchronous log queries
// with paging, and threat PCAP export (reference notes, "XML API"). Every request is a POST with
// a form body, so neither credentials nor queries appear in URLs (and so in proxy or firewall
// access logs); the key travels in the X-PAN-KEY header and is redacted from anything logged.
// TLS verification is on unless `insecure` is set; `ca` adds a trusted CA (firewalls usually
// carry a private one). Requests time out (AbortSignal) and transient failures are retried with
// exponential backoff; sleep is injected so tests control time.

import { request } from 'node:https';
import type { FlowRecord } from '../flows/types.js';
import { panosThreatFromFields, panosTrafficFromFields, type PanosThreatRecord } from '../ingest/panos/index.js';
import { parseIp } from '../util/ip.js';
import { describePanosError, PanosApiError, RETRYABLE_PANOS_CODES } from './errors.js';
import { pcapIdEpochSeconds, panosTimeText } from './pcap-id.js';
import { redact } from './redact.js';
import { child, parseXml, textOf, type XmlElement } from './xml.js';

/** Most entries one log query returns (the API's own cap). */
export const MAX_NLOGS = 5000;
/** Largest response body read, bytes (a 5,000-entry page or a threat capture). Default 64 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface PanosApiOptions {
  /** `https://firewall.example.com` (the client adds /api/). */
  baseUrl: string;
  key?: string;
  ca?: string | Buffer;
  /** Skip certificate verification. Never the default; for lab firewalls only. */
  insecure?: boolean;
  /** Per-request timeout, milliseconds. Default 30,000. */
  timeoutMs?: number;
  /** Retries after the first attempt for transient failures. Default 3. */
  maxRetries?: number;
  /** First retry delay, milliseconds, doubling up to maxDelayMs. Default 500 / 10,000. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxResponseBytes?: number;
  /** Offset of the firewall's clock from UTC, minutes: log times and search-time are local. */
  tzOffsetMinutes?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Receives one line per request and retry, already redacted. */
  log?: (line: string) => void;
}

export interface RawResponse {
  status: number;
  contentType: string;
  contentDisposition: string;
  body: Buffer;
}

export type LogType = 'traffic' | 'threat';

export interface LogQuery {
  logType: LogType;
  /** PAN-OS filter expression, e.g. buildLogQuery(...). */
  query?: string;
  /** Entries per page, 1..5000. Default 5000. */
  nlogs?: number;
  skip?: number;
}

export interface PollOptions {
  /** Between job polls, milliseconds. Default 1,000. */
  pollMs?: number;
  /** Polls before the job is cancelled (action=finish) and the query fails. Default 300. */
  maxPolls?: number;
}

export interface ThreatPcap {
  bytes: Uint8Array;
  format: 'pcap' | 'pcapng';
  filename?: string;
  searchTime: string;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Builds `(addr.src in A) and (addr.dst in B) and (receive_time geq '...')`; addresses are checked. */
export function buildLogQuery(q: { src?: string; dst?: string; addr?: string; sinceUs?: number; tzOffsetMinutes?: number }): string {
  const parts: string[] = [];
  for (const [field, v] of [['addr.src', q.src], ['addr.dst', q.dst], ['addr', q.addr]] as const) {
    if (v === undefined) continue;
    // Only addresses go into the expression: nothing a caller passes can change its meaning.
    if (!parseIp(v)) throw new Error(`not an IP address: ${v}`);
    parts.push(field === 'addr' ? `((addr.src in ${v}) or (addr.dst in ${v}))` : `(${field} in ${v})`);
  }
  if (q.sinceUs !== undefined) {
    parts.push(`(receive_time geq '${panosTimeText(Math.floor(q.sinceUs / 1e6), q.tzOffsetMinutes ?? 0)}')`);
  }
  return parts.join(' and ');
}

export class PanosApiClient {
  private key: string | undefined;
  private readonly url: URL;

  constructor(private readonly opts: PanosApiOptions) {
    this.url = new URL('/api/', opts.baseUrl);
    if (this.url.protocol !== 'https:') throw new Error(`the PAN-OS API is reached over https: ${opts.baseUrl}`);
    this.key = opts.key;
  }

  /** Generates an API key (type=keygen; credentials in the POST body) and uses it from now on. */
  async keygen(user: string, password: string): Promise<string> {
    const root = await this.xmlCall({ type: 'keygen', user, password }, false);
    const key = textOf(child(root, 'result', 'key'));
    if (!key) throw new PanosApiError('protocol', 'PAN-OS API: keygen answered without a key');
    this.key = key;
    return key;
  }

  setKey(key: string): void {
    this.key = key;
  }

  /** Runs one asynchronous log query to completion and returns its entries (element name -> text). */
  async queryLogs(q: LogQuery, poll: PollOptions = {}): Promise<Record<string, string>[]> {
    const nlogs = q.nlogs ?? MAX_NLOGS;
    if (!Number.isInteger(nlogs) || nlogs < 1 || nlogs > MAX_NLOGS) throw new Error(`nlogs must be 1..${MAX_NLOGS}`);
    const params: Record<string, string> = { type: 'log', 'log-type': q.logType, nlogs: String(nlogs) };
    if (q.skip) params.skip = String(q.skip);
    if (q.query) params.query = q.query;
    const enq = await this.xmlCall(params);
    const job = textOf(child(enq, 'result', 'job'));
    if (!/^\d+$/.test(job)) throw new PanosApiError('protocol', 'PAN-OS API: log query answered without a job id');
    const maxPolls = poll.maxPolls ?? 300;
    for (let i = 0; i < maxPolls; i++) {
      const res = await this.xmlCall({ type: 'log', action: 'get', 'job-id': job });
      const status = textOf(child(res, 'result', 'job', 'status'));
      if (status === 'FIN') {
        const logs = child(res, 'result', 'log', 'logs');
        return (logs?.children ?? []).filter((e) => e.name === 'entry').map(entryFields);
      }
      await this.sleep(poll.pollMs ?? 1000);
    }
    // Give the firewall its resources back before failing.
    await this.xmlCall({ type: 'log', action: 'finish', 'job-id': job }).catch(() => undefined);
    throw new PanosApiError('timeout', `PAN-OS API: log job ${job} did not finish after ${maxPolls} polls`);
  }

  /** Pages through a query (skip += nlogs) until a short page or `maxLogs` entries. */
  async queryAllLogs(q: LogQuery, maxLogs: number, poll: PollOptions = {}): Promise<Record<string, string>[]> {
    const nlogs = Math.min(q.nlogs ?? MAX_NLOGS, maxLogs);
    const out: Record<string, string>[] = [];
    for (let skip = q.skip ?? 0; out.length < maxLogs; skip += nlogs) {
      const page = await this.queryLogs({ ...q, nlogs: Math.min(nlogs, maxLogs - out.length), skip }, poll);
      out.push(...page);
      if (page.length < nlogs) break;
    }
    return out;
  }

  /** Completed flows with `addr` on either side since `sinceUs`, fetched from the firewall. */
  async flowsFor(addr: string, sinceUs: number, maxLogs = MAX_NLOGS, poll: PollOptions = {}): Promise<{ flows: FlowRecord[]; rejected: number }> {
    const query = `${buildLogQuery({ addr, sinceUs, tzOffsetMinutes: this.opts.tzOffsetMinutes ?? 0 })} and (subtype eq end)`;
    return this.trafficToFlows(await this.queryAllLogs({ logType: 'traffic', query }, maxLogs, poll));
  }

  /** TRAFFIC entries as flow records (through the same field names as syslog); bad ones counted. */
  trafficToFlows(entries: Record<string, string>[]): { flows: FlowRecord[]; rejected: number } {
    const flows: FlowRecord[] = [];
    let rejected = 0;
    for (const e of entries) {
      const r = panosTrafficFromFields(e, { tzOffsetMinutes: this.opts.tzOffsetMinutes ?? 0 });
      if (r.record) flows.push(r.record);
      else if (r.error) rejected++;
    }
    return { flows, rejected };
  }

  threatRecords(entries: Record<string, string>[]): { threats: PanosThreatRecord[]; rejected: number } {
    const threats: PanosThreatRecord[] = [];
    let rejected = 0;
    for (const e of entries) {
      const r = panosThreatFromFields(e, { tzOffsetMinutes: this.opts.tzOffsetMinutes ?? 0 });
      if (r.record) threats.push(r.record);
      else rejected++;
    }
    return { threats, rejected };
  }

  /**
   * Exports the packet capture of a THREAT log. `searchTime` defaults to the time encoded in the
   * pcap id. The answer is a capture (told by content type and magic bytes) or an XML error.
   */
  async exportThreatPcap(p: { pcapId: string; deviceName?: string; sessionId?: string; searchTime?: string; signal?: AbortSignal }): Promise<ThreatPcap> {
    let searchTime = p.searchTime;
    if (!searchTime) {
      const secs = pcapIdEpochSeconds(p.pcapId);
      if (secs === undefined) throw new Error(`bad pcap id ${p.pcapId}`);
      searchTime = panosTimeText(secs, this.opts.tzOffsetMinutes ?? 0);
    }
    const params: Record<string, string> = { type: 'export', category: 'threat-pcap', 'pcap-id': p.pcapId, 'search-time': searchTime };
    if (p.deviceName) params.device_name = p.deviceName;
    if (p.sessionId) params.sessionid = p.sessionId;
    const res = await this.call(params, true, p.signal);
    const format = captureFormat(res.body);
    const isXml = /xml/i.test(res.contentType) || /^\s*</.test(res.body.subarray(0, 64).toString('latin1'));
    if (!format || isXml) {
      // Not a capture: the firewall's XML error, or something else entirely.
      const root = isXml ? parseXml(res.body.toString('utf8')).root : undefined;
      if (root) throw responseError(root, res.status);
      throw new PanosApiError('protocol', `PAN-OS API: threat PCAP export answered ${res.contentType || 'no content type'} without a capture`);
    }
    const out: ThreatPcap = { bytes: new Uint8Array(res.body), format, searchTime };
    const fn = /filename="?([^";]+)"?/i.exec(res.contentDisposition);
    if (fn?.[1]) out.filename = fn[1];
    return out;
  }

  /** One request answered with XML: the `<response>` root, or a PanosApiError. */
  private async xmlCall(params: Record<string, string>, withKey = true): Promise<XmlElement> {
    const res = await this.call(params, withKey);
    const parsed = parseXml(res.body.toString('utf8'));
    if (!parsed.root || parsed.root.name !== 'response') {
      throw new PanosApiError('protocol', `PAN-OS API: unreadable answer (HTTP ${res.status}): ${parsed.error ?? `root <${parsed.root?.name}>`}`, undefined, res.status);
    }
    if (parsed.root.attrs.status !== 'success') throw responseError(parsed.root, res.status);
    return parsed.root;
  }

  /** POSTs with retries on transient failures (network, timeout, HTTP 5xx/429, PAN-OS internal errors). */
  private async call(params: Record<string, string>, withKey: boolean, signal?: AbortSignal): Promise<RawResponse> {
    const body = new URLSearchParams(params).toString();
    const retries = this.opts.maxRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      this.logLine(`POST ${this.url.origin}/api/ ${body}`);
      let err: PanosApiError;
      try {
        if (signal?.aborted) throw new PanosApiError('timeout', 'PAN-OS API: cancelled');
        const res = await this.post(body, withKey, signal);
        if (res.status < 500 && res.status !== 429) {
          if (res.status >= 400 || !/xml/i.test(res.contentType)) return res;
          // A success status with an internal-error response is retried like a 5xx.
          const code = /<response[^>]*code="(\d+)"/.exec(res.body.subarray(0, 512).toString('latin1'))?.[1];
          if (!(code && RETRYABLE_PANOS_CODES.has(Number(code)) && /status="error"/.test(res.body.subarray(0, 512).toString('latin1')))) return res;
          err = new PanosApiError('api', describePanosError(Number(code), ''), Number(code), res.status);
        } else {
          err = new PanosApiError('http', `PAN-OS API: HTTP ${res.status}`, undefined, res.status);
        }
      } catch (e) {
        err = e instanceof PanosApiError ? e : new PanosApiError('network', `PAN-OS API: ${(e as Error).message}`);
        if (err.kind === 'tls') throw err;
      }
      if (attempt >= retries || signal?.aborted) throw err;
      const delay = Math.min((this.opts.baseDelayMs ?? 500) * 2 ** attempt, this.opts.maxDelayMs ?? 10_000);
      this.logLine(`retry ${attempt + 1}/${retries} in ${delay} ms: ${err.message}`);
      await this.sleep(delay);
    }
  }

  private post(body: string, withKey: boolean, signal?: AbortSignal): Promise<RawResponse> {
    const headers: Record<string, string | number> = {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': Buffer.byteLength(body),
    };
    if (withKey) {
      if (!this.key) return Promise.reject(new Error('no API key: call keygen or pass a key'));
      headers['X-PAN-KEY'] = this.key;
    }
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const max = this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    return new Promise((resolve, reject) => {
      const req = request(this.url, {
        method: 'POST',
        headers,
        ca: this.opts.ca,
        rejectUnauthorized: !this.opts.insecure,
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      }, (res) => {
        const parts: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > max) {
            req.destroy(new PanosApiError('protocol', `PAN-OS API: response larger than ${max} bytes`));
            return;
          }
          parts.push(d);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            contentDisposition: String(res.headers['content-disposition'] ?? ''),
            body: Buffer.concat(parts),
          }),
        );
        res.on('error', (e) => reject(classify(e, timeoutMs)));
      });
      req.on('error', (e) => reject(classify(e, timeoutMs)));
      req.end(body);
    });
  }

  private sleep(ms: number): Promise<void> {
    return (this.opts.sleep ?? defaultSleep)(ms);
  }

  private logLine(line: string): void {
    this.opts.log?.(redact(line));
  }
}

function classify(e: Error, timeoutMs: number): PanosApiError {
  if (e instanceof PanosApiError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || code === 'ABORT_ERR') {
    return new PanosApiError('timeout', `PAN-OS API: no answer within ${timeoutMs} ms`);
  }
  if (/CERT|SSL|TLS|SELF_SIGNED|VERIFY/.test(code)) {
    return new PanosApiError('tls', `PAN-OS API: TLS verification failed (${code}): ${redact(e.message)}`);
  }
  return new PanosApiError('network', `PAN-OS API: ${redact(e.message)}`);
}

function responseError(root: XmlElement, httpStatus: number): PanosApiError {
  const code = root.attrs.code !== undefined && /^\d+$/.test(root.attrs.code) ? Number(root.attrs.code) : httpStatus >= 400 ? httpStatus : undefined;
  const msgEl = child(root, 'msg', 'line') ?? child(root, 'result', 'msg', 'line') ?? child(root, 'result', 'msg') ?? child(root, 'msg');
  return new PanosApiError('api', describePanosError(code, redact(textOf(msgEl))), code, httpStatus);
}

function entryFields(e: XmlElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of e.children) out[c.name] = textOf(c);
  return out;
}

/** pcap (either byte order, micro- or nanosecond) or pcapng by magic number. */
export function captureFormat(b: Uint8Array): 'pcap' | 'pcapng' | undefined {
  if (b.length < 24) return undefined;
  const m = ((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0);
  switch (m >>> 0) {
    case 0xa1b2c3d4:
    case 0xd4c3b2a1:
    case 0xa1b23c4d:
    case 0x4d3cb2a1:
      return 'pcap';
    case 0x0a0d0d0a:
      return 'pcapng';
    default:
      return undefined;
  }
}
