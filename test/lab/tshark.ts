// tshark as the reference decoder for the lab tests: counts packets matching a display filter,
// reads fields, and reassembles the two directions of a TCP stream.
import { execFileSync } from 'node:child_process';

function run(args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
}

/** Number of packets in `file` matching the display filter (checksums verified when asked). */
export function count(file: string, filter: string, verifyChecksums = false): number {
  const prefs = verifyChecksums
    ? ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE']
    : [];
  return run(['-r', file, ...prefs, '-Y', filter, '-T', 'fields', '-e', 'frame.number']).split('\n').filter(Boolean).length;
}

/**
 * One record per packet with the named fields (checksums verified), from a single tshark pass.
 * A field absent from a packet is ''.
 */
export function table(file: string, names: string[]): Record<string, string>[] {
  const args = ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-E', 'occurrence=f'];
  for (const n of names) args.push('-e', n);
  return run(args).split('\n').filter((l) => l !== '').map((l) => {
    const cols = l.split('\t');
    return Object.fromEntries(names.map((n, i) => [n, cols[i] ?? '']));
  });
}

/** One line per matching packet, fields separated by tabs. */
export function fields(file: string, filter: string, names: string[]): string[][] {
  const args = ['-r', file, '-Y', filter, '-T', 'fields'];
  for (const n of names) args.push('-e', n);
  return run(args).split('\n').filter(Boolean).map((l) => l.split('\t'));
}

/** Both directions of one TCP stream as tshark reassembles them. */
export function followTcp(file: string, stream = 0): { client: Buffer; server: Buffer } {
  let client = '';
  let server = '';
  for (const line of run(['-r', file, '-q', '-z', `follow,tcp,raw,${stream}`]).split('\n')) {
    if (/^[0-9a-f]+$/.test(line)) client += line;
    else if (/^\t[0-9a-f]+$/.test(line)) server += line.slice(1);
  }
  return { client: Buffer.from(client, 'hex'), server: Buffer.from(server, 'hex') };
}
