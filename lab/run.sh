#!/usr/bin/env bash
# Runs one lab scenario and writes its capture: builds the two namespaces, starts the scripted
# resolver and pool, captures on the client's veth, runs a real XMRig (or a scripted client) against
# the pool by name for a bounded time, then tears everything down, also on error or interrupt.
# Usage (as root): lab/run.sh SCENARIO OUTPUT.pcap [SECONDS]      lab/run.sh --list
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SCENARIOS=(
  xmrig-plain xmrig-keepalive xmrig-disguised xmrig-tls xmrig-nicehash xmrig-unusual-port xmrig-daemon-http xmrig-rx0-light
  xmrig-argon2-chukwav2 xmrig-ghostrider xmrig-kawpow-ethstratum bitcoin-stratum-v1
  ethstratum-nicehash benign-jsonrpc-feed benign-jsonrpc-3333 benign-websocket
  benign-bitcoind-rpc benign-electrum
)

if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${SCENARIOS[@]}"
  exit 0
fi
if [ $# -lt 2 ]; then
  echo "usage: $0 SCENARIO OUTPUT.pcap [SECONDS] (scenarios: $0 --list)" >&2
  exit 2
fi
scenario=$1
out=$(realpath -m "$2")
seconds=${3:-15}
mkdir -p "$(dirname "$out")"

mwlab_begin
trap mwlab_end EXIT
trap 'exit 130' INT TERM

case "$scenario" in
  xmrig-*) mwlab_fetch_xmrig ;;
esac

case "$scenario" in
  xmrig-plain)
    mwlab_start_servers --service cryptonote:3333 --algo cn-pico --diff 300 --job-interval-ms 6000
    mwlab_capture_start "$out"
    mwlab_xmrig "$seconds" -o pool.supportxmr.com:3333 -u "$MWLAB_WALLET" -p lab -a cn-pico -k
    ;;
  xmrig-keepalive)
    # A target no single thread meets and no new jobs: after 60 s without sending anything XMRig
    # sends "keepalived" (run it for about 70 s).
    mwlab_start_servers --service cryptonote:3333 --algo cn-pico --diff 4000000000 --job-interval-ms 600000
    mwlab_capture_start "$out"
    mwlab_xmrig "$seconds" -o pool.supportxmr.com:3333 -u "$MWLAB_WALLET" -p lab -a cn-pico -k
    ;;
  xmrig-disguised)
    # Clear-text stratum on the HTTPS port, with a browser user agent and a rig id.
    mwlab_start_servers --service cryptonote:443 --algo cn-pico --diff 300 --job-interval-ms 6000
    mwlab_capture_start "$out"
    mwlab_xmrig "$seconds" -o xmr.example-pool.net:443 -u "$MWLAB_WALLET" -p x --rig-id office-pc-17 \
      --user-agent "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" -a cn-pico -k
    ;;
  xmrig-tls)
    mwlab_make_cert pool.supportxmr.com
    mwlab_start_servers --service cryptonote:443:tls --algo cn-pico --diff 300 --job-interval-ms 6000 \
      --cert "$MWLAB_RUN/cert.pem" --key "$MWLAB_RUN/key.pem"
    mwlab_capture_start "$out"
    mwlab_xmrig "$seconds" -o pool.supportxmr.com:443 --tls -u "$MWLAB_WALLET" -p lab -a cn-pico -k
    ;;
  xmrig-nicehash)
    mwlab_start_servers --service cryptonote:3355 --algo cn-pico --diff 300 --job-interval-ms 6000
    mwlab_capture_start "$out"
    mwlab_xmrig "$seconds" -o randomxmonero.auto.nicehash.com:3355 --nicehash -u "$MWLAB_WALLET.lab" -p x -a cn-pico
    ;;
  xmrig-unusual-port)
    mwlab_start_servers --service cryptonote:80 --algo cn-pico --diff 300 --job-interval-ms 6000
    mwlab_capture_start "$out"
    mwlab_xmrig "$seconds" -o gulf.moneroocean.stream:80 -u "$MWLAB_WALLET" -p lab -a cn-pico -k
    ;;
  xmrig-daemon-http)
    # Solo mining is Monero's RandomX; light mode keeps memory at 256 MB and start-up short.
    mwlab_start_servers --service daemon:18081 --algo rx/0 --diff 10 --job-interval-ms 8000
    mwlab_capture_start "$out"
    mwlab_xmrig "$seconds" -o node.moneroworld.com:18081 --daemon --daemon-poll-interval=3000 \
      -u "$MWLAB_WALLET" -a rx/0 --randomx-mode=light --randomx-init=1
    ;;
  xmrig-rx0-light)
    mwlab_start_servers --service cryptonote:10128 --algo rx/0 --diff 10 --job-interval-ms 20000
    mwlab_capture_start "$out"
    mwlab_xmrig "$seconds" -o gulf.moneroocean.stream:10128 -u "$MWLAB_WALLET" -p lab -a rx/0 \
      --randomx-mode=light --randomx-init=1 -k
    ;;
  xmrig-argon2-chukwav2)
    mwlab_start_servers --service cryptonote:3334 --algo argon2/chukwav2 --diff 800 --job-interval-ms 6000
    mwlab_capture_start "$out"
    mwlab_xmrig "$seconds" -o xmr.example-pool.net:3334 -u "$MWLAB_WALLET" -p lab -a argon2/chukwav2 -k
    ;;
  xmrig-ghostrider)
    mwlab_start_servers --service btc:6273 --algo ghostrider --diff 0.0005 --job-interval-ms 10000
    mwlab_capture_start "$out"
    mwlab_xmrig "$seconds" -o rtm.suprnova.cc:6273 -u RLabWorker.lab -p x -a gr
    ;;
  xmrig-kawpow-ethstratum)
    mwlab_start_servers --service ethstratum:3385 --algo kawpow --job-interval-ms 6000 --extranonce f000
    mwlab_capture_start "$out"
    mwlab_xmrig "$seconds" -o kawpow.auto.nicehash.com:3385 --nicehash -u RLabWorker.lab -p x -a kawpow
    ;;
  bitcoin-stratum-v1)
    mwlab_start_servers --service btc:3333 --diff 1024 --job-interval-ms 6000
    mwlab_capture_start "$out"
    mwlab_scripted "$seconds" --mode btc-stratum --host stratum.slushpool.com --port 3333
    ;;
  ethstratum-nicehash)
    mwlab_start_servers --service ethstratum:3353 --diff 0.5 --job-interval-ms 6000 --extranonce 080c
    mwlab_capture_start "$out"
    mwlab_scripted "$seconds" --mode ethstratum --host xmr.example-pool.net --port 3353
    ;;
  benign-jsonrpc-feed)
    mwlab_start_servers --service jsonrpc-feed:7001 --push-interval-ms 1500
    mwlab_capture_start "$out"
    mwlab_scripted "$seconds" --mode jsonrpc-feed --host feed.example.com --port 7001
    ;;
  benign-jsonrpc-3333)
    mwlab_start_servers --service jsonrpc-app:3333
    mwlab_capture_start "$out"
    mwlab_scripted "$seconds" --mode jsonrpc-app --host rpc.example.com --port 3333
    ;;
  benign-websocket)
    mwlab_start_servers --service websocket:8080 --push-interval-ms 1000
    mwlab_capture_start "$out"
    mwlab_scripted "$seconds" --mode websocket --host ws.example.com --port 8080
    ;;
  benign-bitcoind-rpc)
    mwlab_start_servers --service bitcoind:8332
    mwlab_capture_start "$out"
    mwlab_scripted "$seconds" --mode bitcoind --host btcnode.example.com --port 8332 --interval-ms 2000
    ;;
  benign-electrum)
    mwlab_start_servers --service electrum:50001 --push-interval-ms 2500
    mwlab_capture_start "$out"
    mwlab_scripted "$seconds" --mode electrum --host electrum.example.com --port 50001
    ;;
  *)
    echo "unknown scenario $scenario (see $0 --list)" >&2
    exit 2
    ;;
esac

sleep 1
mwlab_stop tcpdump
# The pool's counters (logins, jobs, submits) are its last log line.
mwlab_stop pool
tail -1 "$MWLAB_RUN/pool.log" >&2
if [ -f "$MWLAB_RUN/xmrig.log" ] && [ -n "${MWLAB_SHOW_XMRIG_LOG:-}" ]; then cat "$MWLAB_RUN/xmrig.log" >&2; fi
echo "$out"
