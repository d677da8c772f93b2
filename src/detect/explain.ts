// The one-sentence explanation an analyst would write for an alert, built from the evidence:
// who talked to which pool, as what software, and how far the mining conversation got
// (login -> job -> submit -> result, DESIGN.md).

import type { FlowEvidence } from './evidence.js';
import type { RuleFamily } from './rules.js';

const COIN_NAMES: Record<string, string> = { monero: 'Monero', bitcoin: 'Bitcoin', ethereum: 'Ethereum' };
const HTTP_DIALECTS: ReadonlySet<string> = new Set(['getwork', 'getblocktemplate', 'ethproxy-http', 'monerod-rpc']);

/**
 * The program and version an agent names, without the platform details XMRig appends
 * ("XMRig/6.16.0 (Linux x86_64) libuv/1.42.0" -> "XMRig/6.16.0", "cgminer 3.7.2" stays).
 */
export function shortAgent(agent: string): string {
  const tokens = agent.trim().split(/\s+/);
  let out = tokens[0] ?? '';
  if (!out.includes('/') && /^v?\d/.test(tokens[1] ?? '')) out += ` ${tokens[1]}`;
  return out.length > 64 ? `${out.slice(0, 64)}...` : out;
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? `1 ${one}` : `${n} ${many}`;
}

export function poolTarget(ev: FlowEvidence): string {
  const pool = ev.pools.find((p) => p.match.kind !== 'browser') ?? ev.pools[0];
  const port = ev.flow.serverPort;
  if (pool) return `${pool.name}:${port} (${ev.flow.serverIp})`;
  if (ev.learned) return `${ev.learned.name}:${port} (${ev.flow.serverIp})`;
  return `${ev.flow.serverIp}:${port}`;
}

function conversationSentence(ev: FlowEvidence): string {
  const c = ev.conversation;
  const src = ev.flow.clientIp;
  const target = poolTarget(ev);
  const fullAgent = c.agent ?? ev.httpUserAgent;
  const agent = fullAgent !== undefined ? shortAgent(fullAgent) : undefined;
  const as = agent ? ` as ${agent}` : '';
  const coin = c.login?.wallet ? (COIN_NAMES[c.login.wallet.coin] ?? c.login.wallet.coin) : undefined;
  const wallet = coin ? ` with ${/^[AEIOU]/.test(coin) ? 'an' : 'a'} ${coin} wallet` : '';
  const parts: string[] = [];
  if (c.dialect && HTTP_DIALECTS.has(c.dialect)) {
    parts.push(`${src} asked ${target} for mining work over HTTP (${c.dialect})${as}${wallet}`);
  } else if (c.hasLogin) {
    parts.push(`${src} logged in to ${target}${as}${wallet}`);
  } else if (c.hasSubscribe) {
    parts.push(`${src} subscribed to mining work at ${target}${as}`);
  } else if (c.jobs > 0) {
    parts.push(`${src} received mining work from ${target}${c.isMidSession ? ' (the capture starts mid-session)' : ''}`);
  } else if (c.submits > 0) {
    parts.push(`${src} submitted mining shares to ${target}`);
  } else if (ev.httpUserAgent && fullAgent === ev.httpUserAgent) {
    parts.push(`${src} sent HTTP requests to ${target} with the user agent ${agent} of miner software`);
  } else {
    parts.push(`${src} identified itself to ${target} as miner software ${agent ?? '(unnamed)'}`);
  }
  const algo = c.algorithms[0];
  if (c.jobs > 0 && (c.hasLogin || c.hasSubscribe || (c.dialect && HTTP_DIALECTS.has(c.dialect)))) {
    parts.push(`the pool sent ${c.jobs === 1 ? 'a job' : `${c.jobs} jobs`}${algo ? ` (algo ${algo})` : ''}`);
  } else if (c.jobs === 0 && c.dialect && HTTP_DIALECTS.has(c.dialect)) {
    parts.push('no work came back in the capture');
  } else if (c.jobs === 0 && c.hasLogin) {
    parts.push('no job was seen, so the login is not proven');
  } else if (c.jobs === 0 && c.hasSubscribe) {
    parts.push('no job was seen');
  }
  if (c.submits > 0) {
    let s = `${plural(c.submits, 'share was', 'shares were')} submitted`;
    if (c.accepted > 0 && c.accepted === c.submits && c.rejected === 0) s += ' and accepted';
    else {
      if (c.accepted > 0) s += `, ${c.accepted} accepted`;
      if (c.rejected > 0) s += `, ${c.rejected} rejected`;
    }
    parts.push(s);
  }
  return `${parts.join('; ')}.`;
}

function nameSentence(ev: FlowEvidence, isBrowser: boolean): string {
  const src = ev.flow.clientIp;
  // The name this family is about: a browser-mining name for `browser`, a pool name otherwise.
  const ofKind = ev.pools.filter((p) => (p.match.kind === 'browser') === isBrowser);
  const pool = ofKind[0];
  const what = isBrowser ? 'an in-browser mining service' : 'a listed mining pool';
  const others = ofKind.length > 1 ? ` (and ${ofKind.length - 1} more listed name${ofKind.length > 2 ? 's' : ''})` : '';
  if (pool && pool.source === 'learned' && ev.learned) {
    const who = ev.learned.scope === 'client' ? 'it had resolved' : `${ev.learned.learnedFrom} had resolved`;
    return `${src} connected to ${ev.flow.serverIp}:${ev.flow.serverPort}, an address ${who} for ${pool.name}, ${what}.`;
  }
  if (pool) {
    const listed = pool.match.domain === pool.name ? '' : ` (listed as ${pool.match.domain})`;
    switch (pool.source) {
      case 'dns':
      {
        const own = ev.dnsAnswersByName.get(pool.name) ?? [];
        return `${src} looked up ${pool.name}${listed}, ${what}${others}${own.length > 0 ? `; the answers named ${own.slice(0, 3).join(', ')}${own.length > 3 ? ' and more' : ''}` : ''}.`;
      }
      case 'sni':
      case 'certificate':
        return `${src} opened TLS to ${pool.name}${listed}, ${what}, at ${ev.flow.serverIp}:${ev.flow.serverPort}.`;
      case 'http-host':
        return `${src} sent an HTTP request for ${pool.name}${listed}, ${what}, to ${ev.flow.serverIp}:${ev.flow.serverPort}.`;
      default:
        return `${src} connected to ${pool.name}${listed}, ${what}, at ${ev.flow.serverIp}:${ev.flow.serverPort}.`;
    }
  }
  if (ev.learned) {
    const who = ev.learned.scope === 'client' ? 'it had resolved' : `${ev.learned.learnedFrom} had resolved`;
    return `${src} connected to ${ev.flow.serverIp}:${ev.flow.serverPort}, an address ${who} for the pool name ${ev.learned.name}.`;
  }
  const secs = Math.round((ev.flow.lastUs - ev.flow.startUs) / 1e6);
  return `${src} kept a TLS session to ${ev.flow.serverIp}:${ev.flow.serverPort}, a published mining pool port, for ${secs} s with small steady messages both ways.`;
}

export function explain(ev: FlowEvidence, family: RuleFamily): string {
  switch (family) {
    case 'conversation':
      return conversationSentence(ev);
    case 'browser':
      return nameSentence(ev, true);
    case 'pool-name':
      return nameSentence(ev, false);
    case 'stratum-v2':
      return `${ev.flow.clientIp} began what has the shape of a Stratum V2 handshake with ${ev.flow.serverIp}:${ev.flow.serverPort}; the content is encrypted, so this is a weak sign.`;
  }
}
