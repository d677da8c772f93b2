// Action 1, endpoint roles: is each side internal or external, which side is the client, and what
// service usually sits on the server port. The orientation comes from the SYN when the alert's
// source saw one (the sensor records it), otherwise from the ports.

import { isInternalIp } from '../../util/ip.js';
import { isEphemeralPort, serviceForPort } from '../services.js';
import type { TriageAction } from '../types.js';

export interface EndpointRoles {
  client: { ip: string; port: number; is_internal: boolean };
  server: { ip: string; port: number; is_internal: boolean; usual_service?: string };
  orientation: 'syn' | 'ports' | 'as_reported';
  /** internal -> external is the miner's shape; the others change the reading. */
  direction: 'outbound' | 'inbound' | 'internal' | 'external';
  summary: string;
}

export const endpointRoles: TriageAction<EndpointRoles> = {
  name: 'endpoint_roles',
  title: 'Endpoint roles',
  async run(alert, ctx) {
    const flowEvidence = alert.evidence.flow as { orientation?: string } | undefined;
    let clientIsSrc = true;
    let orientation: EndpointRoles['orientation'] = 'as_reported';
    if (flowEvidence?.orientation === 'syn') {
      orientation = 'syn';
    } else if (alert.src_port > 0 && alert.dest_port > 0) {
      const srcEph = isEphemeralPort(alert.src_port);
      const dstEph = isEphemeralPort(alert.dest_port);
      if (srcEph !== dstEph) {
        orientation = 'ports';
        clientIsSrc = srcEph;
      } else if (!srcEph && !dstEph) {
        orientation = 'ports';
        clientIsSrc = alert.src_port > alert.dest_port;
      }
    }
    const a = { ip: alert.src_ip, port: alert.src_port };
    const b = { ip: alert.dest_ip, port: alert.dest_port };
    const c = clientIsSrc ? a : b;
    const s = clientIsSrc ? b : a;
    const cIn = isInternalIp(c.ip, ctx.internalNetworks);
    const sIn = isInternalIp(s.ip, ctx.internalNetworks);
    const direction = cIn && !sIn ? 'outbound' : !cIn && sIn ? 'inbound' : cIn ? 'internal' : 'external';
    const usual = serviceForPort(s.port, alert.proto.toLowerCase());
    const how = orientation === 'syn' ? 'it sent the SYN' : orientation === 'ports' ? 'its port is ephemeral against a service port' : 'the alert names it as source';
    const summary =
      `${c.ip}:${c.port} (${cIn ? 'internal' : 'external'}) is the client because ${how}; ` +
      `${s.ip}:${s.port} (${sIn ? 'internal' : 'external'}) is the server` +
      (usual ? `, a port usually used for ${usual}.` : ', on a port with no usual service.');
    return {
      status: 'done',
      evidence: {
        client: { ...c, is_internal: cIn },
        server: { ...s, is_internal: sIn, ...(usual ? { usual_service: usual } : {}) },
        orientation,
        direction,
        summary,
      },
    };
  },
};
