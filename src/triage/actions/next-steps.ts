// Action 6, next steps: what to look at on the host, the usual ways in, and how to contain it.
// Written for the case at hand: the pool address and port, the client, and the verdict.

import type { ActionResult, TriageAction } from '../types.js';
import type { EndpointRoles } from './endpoint-roles.js';
import type { Verdict } from './verdict.js';

export interface NextSteps {
  on_the_host: string[];
  ways_in: string[];
  containment: string[];
}

export const nextSteps: TriageAction<NextSteps> = {
  name: 'next_steps',
  title: 'Next steps',
  async run(alert, _ctx, prior) {
    const roles = (prior.get('endpoint_roles') as ActionResult<EndpointRoles> | undefined)?.evidence;
    const v = (prior.get('verdict') as ActionResult<Verdict> | undefined)?.evidence;
    const client = roles?.client.ip ?? alert.src_ip;
    const server = roles?.server.ip ?? alert.dest_ip;
    const port = roles?.server.port ?? alert.dest_port;
    if (v?.verdict === 'benign') {
      return {
        status: 'done',
        evidence: {
          on_the_host: [`Confirm with the owner of ${client} which application talks to ${server}:${port}, and record it.`],
          ways_in: [],
          containment: [`If the service is sanctioned, add ${server} to the allow-list so this alert does not return.`],
        },
      };
    }
    return {
      status: 'done',
      evidence: {
        on_the_host: [
          `Find the process holding the connection to ${server}:${port} on ${client}: \`ss -tnp dst ${server}\` (Linux), \`Get-NetTCPConnection -RemoteAddress ${server} | Select OwningProcess\` (Windows) or the EDR's network view.`,
          'Check CPU use: a miner keeps one or more cores near 100%, often under a name that imitates a system process (kworker, kdevtmpfsi, sysupdate).',
          'Look for persistence: crontabs (/etc/cron*, user crontabs), systemd units and timers, rc.local, ~/.bashrc, Windows scheduled tasks and Run keys, and binaries in /tmp, /var/tmp or /dev/shm.',
          'Look for the miner configuration (config.json with "pools", "url", "user") and the wallet it names.',
        ],
        ways_in: [
          'A vulnerable public-facing application on this host or one that reaches it (check web and application logs around the first connection).',
          'Leaked long-term cloud access keys (AWS keys beginning AKIA): search the cloud audit log for new instances or API calls with such keys around the first connection.',
          'Phishing or removable media (USB) on a workstation: check the mail gateway and endpoint logs for the first execution of the miner.',
        ],
        containment: [
          `Block ${server}${port ? ` (port ${port})` : ''} and the pool names at the firewall and the DNS resolver, and watch for the miner trying other pools.`,
          `Isolate ${client} if the process cannot be removed at once; preserve a memory image first if the intrusion is to be investigated.`,
          'Rotate credentials and keys the host held, and patch or remove the way in before returning it to service.',
        ],
      },
    };
  },
};
