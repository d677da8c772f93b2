// The schema of what the cryptocurrency-node analyser reports: the EVE `crypto_node` object of a
// flow and the data of its one fact event. Facts only: which node network and protocol the first
// bytes belong to. Detection turns it into an informational notice, never a mining alert.

export type NodeNetwork = string;

/** How the protocol was recognised. */
export type NodeEvidence = 'magic' | 'levin-signature' | 'rlpx-auth-shape' | 'discovery-shape' | 'nano-header';

export interface CryptoNodeRecord {
  network: NodeNetwork;
  /** p2p, levin, devp2p, discovery */
  protocol: string;
  evidence: NodeEvidence;
  /** First message command where the protocol names one (Bitcoin `version`). */
  command?: string;
}

/** `crypto_node.p2p`: raised once per flow when the node protocol is recognised. */
export type CryptoNodeFact = CryptoNodeRecord;

export const CRYPTO_NODE_FACT_NAMES = ['crypto_node.p2p'] as const;
