// Miner user agents, as miners send them in a stratum `login`/`mining.subscribe` or an HTTP
// `User-Agent`. Each pattern matches the program's own name at a token boundary and captures its
// version; browser agents never match. Names come from the miners' source and documentation.

export interface MinerAgent {
  /** Canonical program name: xmrig, cgminer, ... */
  family: string;
  version?: string;
  /** The agent text as given (cut to MAX_AGENT_CHARS). */
  agent: string;
}

/** Agents longer than this are cut before matching (XMRig's is about 120 characters). */
export const MAX_AGENT_CHARS = 256;

const V = '[/ _-]v?(\\d+(?:\\.[\\w-]+)*)';

interface AgentPattern {
  family: string;
  re: RegExp;
}

function p(family: string, name: string, withVersion = true): AgentPattern {
  return { family, re: new RegExp(`(?:^|[\\s(;,\\[])${name}(?:${withVersion ? V : ''})?(?=$|[\\s/);,\\]])`, 'i') };
}

export const MINER_AGENT_PATTERNS: readonly AgentPattern[] = [
  p('xmrig-proxy', 'xmrig-proxy'),
  p('xmrigcc', 'xmrigcc'),
  p('xmrig', 'xmrig(?:-(?:cuda|amd|nvidia|mo))?'),
  p('xmr-stak', 'xmr-stak(?:-(?:cpu|amd|nvidia|rx))?'),
  p('xmr-node-proxy', 'xmr-node-proxy'),
  p('xmr', 'xmr'), // "xmr/1.0" (corpus xmr-eu1.nanopool.org, xmr.suprnova.cc)
  p('cgminer', 'cgminer'),
  p('bfgminer', 'bfgminer'),
  p('sgminer', 'sgminer'),
  p('cpuminer', 'cpuminer(?:-(?:opt|multi|gr))?'),
  p('cpuminer', 'minerd'),
  p('ccminer', 'ccminer'),
  p('ethminer', 'ethminer'),
  p('kawpowminer', 'kawpowminer'),
  p('nbminer', 'nbminer'),
  p('t-rex', 't-rex'),
  p('lolminer', 'lolminer'),
  p('phoenixminer', 'phoenixminer'),
  p('claymore', 'claymore'),
  p('claymore', 'ethdcrminer64'),
  p('srbminer', 'srbminer(?:-multi)?'),
  p('gminer', 'gminer'),
  p('teamredminer', 'teamredminer'),
  p('nanominer', 'nanominer'),
  p('ewbf', 'ewbf(?:-miner)?'),
  p('equihashminer', 'equihashminer'),
  p('bminer', 'bminer'),
  p('excavator', 'nhequiminer'),
  p('excavator', 'excavator'),
  p('wildrig', 'wildrig(?:-multi)?'),
  p('bzminer', 'bzminer'),
  p('rigel', 'rigel'),
  p('onezerominer', 'onezerominer'),
  p('jce', 'jce(?:-(?:cpu|gpu))?-miner'),
  p('cast-xmr', 'cast[ _-]xmr'),
  p('minergate', 'minergate(?:-cli)?'),
  p('multiminer', 'multiminer'),
  p('poclbm', 'poclbm'),
  p('diablominer', 'diablominer'),
  p('cudaminer', 'cudaminer'),
  p('phoenix', 'phoenix'), // the 2011 Bitcoin OpenCL miner, "phoenix/1.7.5"
  p('ufasoft', 'ufasoft[ _-]?(?:bitcoin-)?miner'),
  p('xmrminer', 'xmrminer'),
  p('cryptonight-miner', 'cryptonight-miner'),
];

/** Every pattern in one expression: one pass over an agent that names no miner (most of them). */
const ANY_MINER_AGENT = new RegExp(MINER_AGENT_PATTERNS.map((a) => `(?:${a.re.source})`).join('|'), 'i');

/** Recognises a miner in an agent string; undefined for browsers and everything else. */
export function matchMinerAgent(agent: string): MinerAgent | undefined {
  const text = agent.length > MAX_AGENT_CHARS ? agent.slice(0, MAX_AGENT_CHARS) : agent;
  if (!ANY_MINER_AGENT.test(text)) return undefined;
  for (const { family, re } of MINER_AGENT_PATTERNS) {
    const m = re.exec(text);
    if (m) {
      // "phoenix" alone is a common word: accept it only with a version.
      if (family === 'phoenix' && !m[1]) continue;
      if (family === 'xmr' && !m[1]) continue;
      const out: MinerAgent = { family, agent: text };
      if (m[1]) out.version = m[1];
      return out;
    }
  }
  return undefined;
}
