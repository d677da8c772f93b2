// Alerts for the output tests, made by the PAN-OS input from the fixture lines, plus one whose
// attacker-controlled text is full of characters every format must escape.
import { readFileSync } from 'node:fs';
import type { Alert } from '../../src/alerts/types.js';
import { PanosIngest } from '../../src/ingest/panos/index.js';

export function fixtureAlerts(): Alert[] {
  const alerts: Alert[] = [];
  const ing = new PanosIngest({ onAlert: (a) => alerts.push(a), onFlow: () => undefined });
  const text = readFileSync(new URL('../fixtures/panos/threat.csv', import.meta.url), 'utf8');
  for (const l of text.split('\n')) if (l) ing.handle(l);
  return alerts;
}

export function hostileAlert(): Alert {
  const a = fixtureAlerts()[0] as Alert;
  return {
    ...a,
    id: 'hostile-1',
    alert: { ...a.alert, signature: 'Miner|with\\pipes=and\nnewlines\r"quotes"] ünïcødé' },
    explanation: 'a=b|c\\d\ne\rf ] "g"',
  };
}
