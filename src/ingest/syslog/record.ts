// What the syslog receiver reports for each message: the header fields of RFC 3164 (BSD) or
// RFC 5424 (IETF) and the message body, plus where it came from.

export type SyslogTransport = 'udp' | 'tcp' | 'tls';

export interface SyslogMessage {
  format: 'rfc3164' | 'rfc5424';
  /** PRI value (facility * 8 + severity), RFC 5424 section 6.2.1. */
  pri: number;
  facility: number;
  severity: number;
  /** Header time in microseconds since the epoch, when the header had a usable one. */
  ts_us?: number;
  hostname?: string;
  app_name?: string;
  procid?: string;
  msgid?: string;
  /** RFC 5424 structured data: SD-ID to parameters (the last value wins on repeats). */
  structured_data?: Record<string, Record<string, string>>;
  /** The message body (for PAN-OS, the CSV log). */
  msg: string;
}

export type SyslogParseError =
  | 'empty'
  | 'bad_pri'
  | 'bad_version'
  | 'bad_header'
  | 'bad_structured_data';

export type SyslogParse = { message: SyslogMessage; error?: undefined } | { message?: undefined; error: SyslogParseError };

export interface SyslogPeer {
  transport: SyslogTransport;
  address: string;
  port: number;
}
