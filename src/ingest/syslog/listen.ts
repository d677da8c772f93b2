// The `--syslog` address list: `udp://HOST:PORT,tcp://HOST:PORT,tls://HOST:PORT`. Ports default to
// unprivileged ones (5514 for UDP and TCP, 6514 for TLS, the RFC 5425 port), so the receiver runs
// without root; the firewall's server profile points at them. A bad list is a configuration
// error and throws.

import type { SyslogTransport } from './record.js';

export const DEFAULT_UDP_PORT = 5514;
export const DEFAULT_TCP_PORT = 5514;
export const DEFAULT_TLS_PORT = 6514;

export interface ListenSpec {
  transport: SyslogTransport;
  host: string;
  port: number;
}

export function parseListenList(text: string): ListenSpec[] {
  const out: ListenSpec[] = [];
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    out.push(parseListenUrl(item));
  }
  if (out.length === 0) throw new Error('empty --syslog list');
  return out;
}

export function parseListenUrl(text: string): ListenSpec {
  const m = /^(udp|tcp|tls):\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+)?(?::(\d{1,5}))?\/?$/.exec(text);
  if (!m) throw new Error(`bad syslog address "${text}" (expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT)`);
  const transport = m[1] as SyslogTransport;
  const host = (m[2] ?? '0.0.0.0').replace(/^\[|\]$/g, '');
  const port = m[3] === undefined ? defaultPort(transport) : Number(m[3]);
  if (port > 65535) throw new Error(`bad port in syslog address "${text}"`);
  return { transport, host, port };
}

function defaultPort(t: SyslogTransport): number {
  return t === 'udp' ? DEFAULT_UDP_PORT : t === 'tcp' ? DEFAULT_TCP_PORT : DEFAULT_TLS_PORT;
}
