// Alert outputs: syslog (RFC 5424 with JSON or CEF) over UDP/TCP/TLS, ECS JSON lines to a file,
// and a webhook with retries and a dead-letter file.
export * from './cef.js';
export * from './ecs-file.js';
export * from './syslog-format.js';
export * from './syslog-sender.js';
export * from './webhook.js';
