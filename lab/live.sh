#!/usr/bin/env bash
# Keeps the lab running between commands so a sensor can watch a real miner live: `up` builds the
# namespaces and starts the resolver and pool (and, with --capture, tcpdump on the client veth);
# `miner` runs XMRig against the pool by name in the foreground; `start` does both with the miner
# in the background; `stop` ends everything and removes the namespaces (idempotent).
# The sensor runs inside the client namespace, e.g.
#   ip netns exec mwlab-client minerwatch scan --interface mwc0
# Usage (as root): lab/live.sh up [--capture FILE] | miner SECONDS [UNTIL_SHARES] |
#                  start [SECONDS] [--capture FILE] | stop | status
set -euo pipefail
. "$(dirname "$0")/lib.sh"

STATE=${MWLAB_LIVE_STATE:-/tmp/mwlab-live.run}
# The pool the live miner uses: CryptoNote stratum on 3333 and the same inside TLS on 443, cn-pico,
# easy shares. MWLAB_LIVE_TLS=1 makes `miner` use the TLS port.
POOL_ARGS=(--service cryptonote:3333 --service cryptonote:443:tls --algo cn-pico --diff 300 --job-interval-ms 5000)

load_state() {
  if [ ! -f "$STATE" ]; then
    echo "mwlab: the lab is not up (run: $0 up)" >&2
    exit 1
  fi
  MWLAB_RUN=$(cat "$STATE")
  export MWLAB_RUN
}

live_up() {
  local capture=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --capture) capture=$(realpath -m "$2"); shift 2 ;;
      *) echo "unknown option $1" >&2; exit 2 ;;
    esac
  done
  live_stop
  mwlab_fetch_xmrig
  mwlab_begin
  echo "$MWLAB_RUN" >"$STATE"
  mwlab_make_cert pool.supportxmr.com
  mwlab_start_servers "${POOL_ARGS[@]}" --cert "$MWLAB_RUN/cert.pem" --key "$MWLAB_RUN/key.pem"
  if [ -n "$capture" ]; then mwlab_capture_start "$capture"; fi
  echo "$MWLAB_CLIENT_NS $MWLAB_CLIENT_IF"
}

live_miner() {
  load_state
  local seconds=${1:-30} url=(-o pool.supportxmr.com:3333)
  if [ -n "${MWLAB_LIVE_TLS:-}" ]; then url=(-o pool.supportxmr.com:443 --tls); fi
  MWLAB_UNTIL_SHARES=${2:-} mwlab_xmrig "$seconds" "${url[@]}" -u "$MWLAB_WALLET" -p lab -a cn-pico -k
  grep -c ' accepted ' "$MWLAB_RUN/xmrig.log" 2>/dev/null || true
}

live_stop() {
  if [ -f "$STATE" ]; then
    MWLAB_RUN=$(cat "$STATE")
    export MWLAB_RUN
    rm -f "$STATE"
  fi
  mwlab_end
}

case "${1:-}" in
  up) shift; live_up "$@" ;;
  miner) shift; live_miner "$@" ;;
  start)
    shift
    seconds=30
    if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then seconds=$1; shift; fi
    live_up "$@"
    # setsid: the miner outlives this script, and `stop` ends it by its recorded pid.
    setsid "$0" miner "$seconds" >/dev/null 2>&1 < /dev/null &
    ;;
  stop) live_stop ;;
  status) netns_status ;;
  *) echo "usage: $0 up [--capture FILE] | miner SECONDS [UNTIL_SHARES] | start [SECONDS] [--capture FILE] | stop | status" >&2; exit 2 ;;
esac
