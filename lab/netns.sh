#!/usr/bin/env bash
# Builds and removes the lab network: two network namespaces joined by one veth pair and nothing
# else. The client namespace (mwlab-client, 10.1.2.3) reaches only 203.0.113.0/24 and the pool
# namespace (mwlab-pool, 203.0.113.21, a TEST-NET-3 address of RFC 5737) reaches only 10.1.2.0/24;
# neither has a default route, so no lab packet can leave the veth. IPv6 is switched off on the
# link so router solicitations and MLD reports do not clutter the captures.
# Usage: lab/netns.sh up | down | status   (as root; both are idempotent)
set -euo pipefail

MWLAB_CLIENT_NS=${MWLAB_CLIENT_NS:-mwlab-client}
MWLAB_POOL_NS=${MWLAB_POOL_NS:-mwlab-pool}
MWLAB_CLIENT_IF=${MWLAB_CLIENT_IF:-mwc0}
MWLAB_POOL_IF=${MWLAB_POOL_IF:-mwp0}
MWLAB_CLIENT_IP=${MWLAB_CLIENT_IP:-10.1.2.3}
MWLAB_POOL_IP=${MWLAB_POOL_IP:-203.0.113.21}
MWLAB_CLIENT_NET=${MWLAB_CLIENT_NET:-10.1.2.0/24}
MWLAB_POOL_NET=${MWLAB_POOL_NET:-203.0.113.0/24}

netns_down() {
  local ns pid
  # Processes still inside the lab namespaces were started by the lab; end them by id.
  for ns in "$MWLAB_CLIENT_NS" "$MWLAB_POOL_NS"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
  done
  ip netns del "$MWLAB_CLIENT_NS" 2>/dev/null || true
  ip netns del "$MWLAB_POOL_NS" 2>/dev/null || true
  # A veth end left in the root namespace by an interrupted run would block the next one.
  ip link del "$MWLAB_CLIENT_IF" 2>/dev/null || true
  rm -rf "/etc/netns/$MWLAB_CLIENT_NS"
}

netns_up() {
  netns_down
  ip netns add "$MWLAB_CLIENT_NS"
  ip netns add "$MWLAB_POOL_NS"
  ip link add "$MWLAB_CLIENT_IF" type veth peer name "$MWLAB_POOL_IF"
  ip link set "$MWLAB_CLIENT_IF" netns "$MWLAB_CLIENT_NS"
  ip link set "$MWLAB_POOL_IF" netns "$MWLAB_POOL_NS"
  local ns
  for ns in "$MWLAB_CLIENT_NS" "$MWLAB_POOL_NS"; do
    ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
  done
  ip -n "$MWLAB_CLIENT_NS" addr add "$MWLAB_CLIENT_IP/32" dev "$MWLAB_CLIENT_IF"
  ip -n "$MWLAB_POOL_NS" addr add "$MWLAB_POOL_IP/32" dev "$MWLAB_POOL_IF"
  # Without this the capture on the sending side holds partial checksums (offloaded to a veth that
  # never computes them); the fixtures should carry the checksums a wire would.
  local dev
  for dev in "$MWLAB_CLIENT_NS:$MWLAB_CLIENT_IF" "$MWLAB_POOL_NS:$MWLAB_POOL_IF"; do
    ip netns exec "${dev%%:*}" ethtool -K "${dev#*:}" tx off rx off >/dev/null 2>&1 || true
  done
  ip -n "$MWLAB_CLIENT_NS" link set "$MWLAB_CLIENT_IF" up
  ip -n "$MWLAB_POOL_NS" link set "$MWLAB_POOL_IF" up
  # On-link routes to the other side's /24 only: there is deliberately no default route.
  ip -n "$MWLAB_CLIENT_NS" route add "$MWLAB_POOL_NET" dev "$MWLAB_CLIENT_IF" src "$MWLAB_CLIENT_IP"
  ip -n "$MWLAB_POOL_NS" route add "$MWLAB_CLIENT_NET" dev "$MWLAB_POOL_IF" src "$MWLAB_POOL_IP"
  # `ip netns exec` bind-mounts this file over /etc/resolv.conf for processes in the namespace.
  mkdir -p "/etc/netns/$MWLAB_CLIENT_NS"
  printf 'nameserver %s\noptions timeout:1 attempts:2\n' "$MWLAB_POOL_IP" >"/etc/netns/$MWLAB_CLIENT_NS/resolv.conf"
}

netns_status() {
  ip netns list
  ip -n "$MWLAB_CLIENT_NS" -brief addr 2>/dev/null || true
  ip -n "$MWLAB_CLIENT_NS" route 2>/dev/null || true
  ip -n "$MWLAB_POOL_NS" -brief addr 2>/dev/null || true
  ip -n "$MWLAB_POOL_NS" route 2>/dev/null || true
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    up) netns_up ;;
    down) netns_down ;;
    status) netns_status ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
  esac
fi
