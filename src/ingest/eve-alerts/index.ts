// Suricata EVE alert input: mining alerts from EVE JSON lines, and a file follower for growing,
// rotated or truncated files (shared by every file format of `minerwatch ingest --follow`).
export * from './parser.js';
export * from './follow.js';
