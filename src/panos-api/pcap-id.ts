// Threat PCAP ids. PAN-OS stores the capture's time inside the id: bits 25-56 hold the epoch
// seconds, `(id & 0x01fffffffe000000) >> 25` (reference notes, "Threat PCAP"); the export call
// needs that time as `search-time` when the log does not give it. Ids exceed 2^53, so BigInt.

/** Epoch seconds encoded in a pcap id, or undefined when the id is not a positive integer. */
export function pcapIdEpochSeconds(pcapId: string): number | undefined {
  if (!/^\d{1,20}$/.test(pcapId)) return undefined;
  const id = BigInt(pcapId);
  if (id === 0n || id > 0xffffffffffffffffn) return undefined;
  return Number((id & 0x01fffffffe000000n) >> 25n);
}

/** `YYYY/MM/DD HH:MM:SS` in the firewall's zone (minutes east of UTC), as `search-time` wants. */
export function panosTimeText(epochSeconds: number, tzOffsetMinutes = 0): string {
  const d = new Date((epochSeconds + tzOffsetMinutes * 60) * 1000);
  const p = (v: number): string => String(v).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
