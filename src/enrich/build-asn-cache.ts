// Build step (run by `npm run build`): writes the binary IP-to-ASN cache beside the compiled code.

import { bundledAsnTablesFromCsv } from './asn-db.js';
import { defaultAsnCachePath, writeAsnCache } from './asn-cache.js';

const t = bundledAsnTablesFromCsv();
writeAsnCache(defaultAsnCachePath(), t);
console.log(`wrote ${defaultAsnCachePath()}: ${t.v4Asn.length} IPv4 and ${t.v6Asn.length} IPv6 ranges`);
