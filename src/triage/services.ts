// The service usually found on a server port, for the analyst's "what is this port?" question.
// IANA service names, plus the ports mining pools customarily publish (src/intel/ports.ts).

import { isKnownPoolPort } from '../intel/ports.js';

const WELL_KNOWN: Record<number, string> = {
  20: 'ftp-data', 21: 'ftp', 22: 'ssh', 23: 'telnet', 25: 'smtp', 53: 'dns', 67: 'dhcp', 80: 'http',
  110: 'pop3', 123: 'ntp', 143: 'imap', 161: 'snmp', 389: 'ldap', 443: 'https', 445: 'smb',
  465: 'smtps', 587: 'submission', 636: 'ldaps', 853: 'dns-over-tls', 993: 'imaps', 995: 'pop3s',
  1433: 'mssql', 1883: 'mqtt', 3306: 'mysql', 3389: 'rdp', 4222: 'nats', 5222: 'xmpp-client',
  5432: 'postgresql', 5672: 'amqp', 6379: 'redis', 8080: 'http-alt', 8332: 'bitcoin-rpc',
  8333: 'bitcoin-p2p', 8443: 'https-alt', 8545: 'ethereum-rpc', 18080: 'monero-p2p',
  18081: 'monero-rpc', 30303: 'ethereum-p2p', 50001: 'electrum', 50002: 'electrum-tls',
};

export function serviceForPort(port: number, transport = 'tcp'): string | undefined {
  const name = WELL_KNOWN[port];
  if (name) return transport === 'udp' && name === 'https' ? 'quic' : name;
  if (isKnownPoolPort(port)) return 'stratum (customary mining-pool port)';
  return undefined;
}

/** Ephemeral by the IANA range and the common Linux range: what a client picks for itself. */
export function isEphemeralPort(port: number): boolean {
  return port >= 32768 || (port >= 1024 && !WELL_KNOWN[port] && !isKnownPoolPort(port));
}
