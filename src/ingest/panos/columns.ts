// Column orders of the PAN-OS THREAT and TRAFFIC syslog/CSV bodies, 1-based position i at index
// i-1, as published in the PAN-OS 10.x/11.x "Syslog Field Descriptions". Names are the variable
// names those pages give each field, which are also the element names of log entries returned by
// the XML API, so one mapping serves syslog, CSV export and API queries. PAN-OS 10.0 stops earlier
// and later releases append: parse by position up to what is present, keep extra columns.
// `future_use` columns are skipped.

export const FUTURE_USE = 'future_use';

/** THREAT (and its subtypes url, virus, spyware, vulnerability, file, ...) columns. */
export const THREAT_COLUMNS: readonly string[] = [
  FUTURE_USE, 'receive_time', 'serial', 'type', 'subtype', FUTURE_USE, 'time_generated', 'src', 'dst',
  'natsrc', 'natdst', 'rule', 'srcuser', 'dstuser', 'app', 'vsys', 'from', 'to', 'inbound_if',
  'outbound_if', 'logset', FUTURE_USE, 'sessionid', 'repeatcnt', 'sport', 'dport', 'natsport',
  'natdport', 'flags', 'proto', 'action', 'misc', 'threatid', 'category', 'severity', 'direction',
  'seqno', 'actionflags', 'srcloc', 'dstloc', FUTURE_USE, 'contenttype', 'pcap_id', 'filedigest',
  'cloud', 'url_idx', 'user_agent', 'filetype', 'xff', 'referer', 'sender', 'subject', 'recipient',
  'reportid', 'dg_hier_level_1', 'dg_hier_level_2', 'dg_hier_level_3', 'dg_hier_level_4',
  'vsys_name', 'device_name', FUTURE_USE, 'src_uuid', 'dst_uuid', 'http_method', 'tunnel_id',
  'monitortag', 'parent_session_id', 'parent_start_time', 'tunnel', 'thr_category', 'contentver',
  FUTURE_USE, 'assoc_id', 'ppid', 'http_headers', 'url_category_list', 'rule_uuid',
  'http2_connection', 'dynusergroup_name', 'xff_ip', 'src_category', 'src_profile', 'src_model',
  'src_vendor', 'src_osfamily', 'src_osversion', 'src_host', 'src_mac', 'dst_category',
  'dst_profile', 'dst_model', 'dst_vendor', 'dst_osfamily', 'dst_osversion', 'dst_host', 'dst_mac',
  'container_id', 'pod_namespace', 'pod_name', 'src_edl', 'dst_edl', 'hostid', 'serialnumber',
  'domain_edl', 'src_dag', 'dst_dag', 'partial_hash', 'high_res_timestamp', 'reason',
  'justification', 'nssai_sst', 'subcategory_of_app', 'category_of_app', 'technology_of_app',
  'risk_of_app', 'characteristic_of_app', 'container_of_app', 'tunneled_app', 'is_saas_of_app',
  'sanctioned_state_of_app', 'cloud_reportid',
];

/** TRAFFIC (subtypes start, end, drop, deny) columns. */
export const TRAFFIC_COLUMNS: readonly string[] = [
  FUTURE_USE, 'receive_time', 'serial', 'type', 'subtype', FUTURE_USE, 'time_generated', 'src', 'dst',
  'natsrc', 'natdst', 'rule', 'srcuser', 'dstuser', 'app', 'vsys', 'from', 'to', 'inbound_if',
  'outbound_if', 'logset', FUTURE_USE, 'sessionid', 'repeatcnt', 'sport', 'dport', 'natsport',
  'natdport', 'flags', 'proto', 'action', 'bytes', 'bytes_sent', 'bytes_received', 'packets',
  'start', 'elapsed', 'category', FUTURE_USE, 'seqno', 'actionflags', 'srcloc', 'dstloc', FUTURE_USE,
  'pkts_sent', 'pkts_received', 'session_end_reason', 'dg_hier_level_1', 'dg_hier_level_2',
  'dg_hier_level_3', 'dg_hier_level_4', 'vsys_name', 'device_name', 'action_source', 'src_uuid',
  'dst_uuid', 'tunnel_id', 'monitortag', 'parent_session_id', 'parent_start_time', 'tunnel',
  'assoc_id', 'chunks', 'chunks_sent', 'chunks_received', 'rule_uuid', 'http2_connection',
  'link_change_count', 'policy_id', 'link_switches', 'sdwan_cluster', 'sdwan_device_type',
  'sdwan_cluster_type', 'sdwan_site', 'dynusergroup_name', 'xff_ip', 'src_category', 'src_profile',
  'src_model', 'src_vendor', 'src_osfamily', 'src_osversion', 'src_host', 'src_mac', 'dst_category',
  'dst_profile', 'dst_model', 'dst_vendor', 'dst_osfamily', 'dst_osversion', 'dst_host', 'dst_mac',
  'container_id', 'pod_namespace', 'pod_name', 'src_edl', 'dst_edl', 'hostid', 'serialnumber',
  'src_dag', 'dst_dag', 'session_owner', 'high_res_timestamp', 'nssai_sst', 'nssai_sd',
  'subcategory_of_app', 'category_of_app', 'technology_of_app', 'risk_of_app',
  'characteristic_of_app', 'container_of_app', 'tunneled_app', 'is_saas_of_app',
  'sanctioned_state_of_app', 'offloaded',
];

/** Fewest columns a body must have to be usable: up to Threat ID / Elapsed Time. */
export const MIN_THREAT_COLUMNS = 35; // through Severity
export const MIN_TRAFFIC_COLUMNS = 37; // through Elapsed Time
