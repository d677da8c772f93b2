// PAN-OS XML API: client, errors, pcap ids, redaction and the XML reader it uses.
export * from './client.js';
export * from './errors.js';
export * from './pcap-id.js';
export * from './redact.js';
export * from './xml.js';
export * from './capture-source.js';
