#!/usr/bin/env bash
# A multi-node pod network in one machine, without touching the host's network: node
# network namespaces on an underlay bridge (itself inside a namespace), each node with its
# pod CIDR and the conflist from conf/vxlan-demo (bridge + host-local, then vxlan chained),
# pods created with cnictl; then a table of full-mesh pod-to-pod TCP reachability with the
# source address each receiver saw (must be the sender pod's own address: no NAT), and a
# largest-size DF packet crossing every pair of nodes.
#
#   scripts/demo.sh [--nodes N] [--pods N] [--keep] [--bin-dir DIR] [--bench] [--direct-routing]
#                   [--data-path auto|ebpf|kernel] [--routing vxlan|bgp]
#
# --bench adds, between node1 and node2: iperf3 TCP throughput pod-to-pod (through VXLAN)
# against the same iperf3 between the two node namespaces over the underlay, and TCP
# request/response latency (one-byte ping-pong) for both: medians of --bench-rounds N (7)
# interleaved 3 s runs, iperf3's client pinned to CPU 0 and its server to CPU 1.
# --direct-routing sets the vxlan plugin's directRouting: nodes share the underlay's L2
# subnet, so pod traffic between them is routed to the peer node without encapsulation.
# --data-path sets the vxlan plugin's dataPath (default auto: the eBPF data path where it
# loads); the demo prints which one the nodes use.
# --routing bgp: the vxlan plugin's routing mode bgp. Odd nodes on one L2 segment, even nodes
# on another, joined by the underlay namespace as a router that runs BIRD 2 as their route
# reflector; every node runs BIRD on the configuration the plugin writes. Pods are routed,
# never encapsulated: the demo counts UDP 4789 on the underlay (must stay 0), then stops
# node2's BIRD (its CIDR must be withdrawn from node1 within the hold time) and starts it again.
# Defaults: 3 nodes, 2 pods per node; binaries from --bin-dir, else $CNI_PATH, else
# .build/release when it holds vxlan, else /opt/cni/bin. Run as root (after scripts/setup.sh).
# Everything is torn down at the end (pods are deleted with cnictl del) unless --keep.
set -euo pipefail

NODES=3
PODS=2
KEEP=0
BENCH=0
DIRECT_ROUTING=false
DATA_PATH=auto
BENCH_ROUNDS=7
ROUTING_MODE=vxlan
HOLD_TIME=3
BIN_DIR=${CNI_PATH:-}
while [ $# -gt 0 ]; do
    case "$1" in
        --nodes) NODES=$2; shift 2 ;;
        --pods) PODS=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        --bin-dir) BIN_DIR=$2; shift 2 ;;
        --bench) BENCH=1; shift ;;
        --bench-rounds) BENCH_ROUNDS=$2; shift 2 ;;
        --direct-routing) DIRECT_ROUTING=true; shift ;;
        --data-path) DATA_PATH=$2; shift 2 ;;
        --routing) ROUTING_MODE=$2; shift 2 ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "demo.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
case "$DATA_PATH" in auto|ebpf|kernel) ;; *) echo "demo.sh: --data-path is auto, ebpf or kernel" >&2; exit 2 ;; esac
case "$ROUTING_MODE" in vxlan|bgp) ;; *) echo "demo.sh: --routing is vxlan or bgp" >&2; exit 2 ;; esac
if [ "$ROUTING_MODE" = bgp ]; then
    command -v bird >/dev/null || { echo "demo.sh: --routing bgp needs BIRD 2 (apt-get install bird2)" >&2; exit 1; }
    [ "$DIRECT_ROUTING" = false ] || { echo "demo.sh: --routing bgp and --direct-routing exclude each other" >&2; exit 2; }
fi
case "$NODES" in ''|*[!0-9]*) echo "demo.sh: --nodes needs a number" >&2; exit 2 ;; esac
case "$PODS" in ''|*[!0-9]*) echo "demo.sh: --pods needs a number" >&2; exit 2 ;; esac
if [ "$NODES" -lt 2 ] || [ "$NODES" -gt 200 ] || [ "$PODS" -lt 1 ] || [ "$PODS" -gt 200 ]; then
    echo "demo.sh: --nodes must be 2..200 and --pods 1..200" >&2; exit 2
fi
[ "$(id -u)" = 0 ] || { echo "demo.sh: needs root (network namespaces)" >&2; exit 1; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$BIN_DIR" ]; then
    if [ -x "$ROOT/.build/release/vxlan" ]; then BIN_DIR=$ROOT/.build/release; else BIN_DIR=/opt/cni/bin; fi
fi
for tool in bridge host-local vxlan cnictl; do
    [ -x "$BIN_DIR/$tool" ] || { echo "demo.sh: $BIN_DIR/$tool not found (run scripts/setup.sh or pass --bin-dir)" >&2; exit 1; }
done
CNICTL=$BIN_DIR/cnictl
PODNET=$ROOT/scripts/demo/podnet.py
TEMPLATE=$ROOT/conf/vxlan-demo/cluster.conflist.in
NETWORK=swift-cni-vxlan-demo
CLUSTER_CIDR=10.244.0.0/16

ID=d$$
WORK=$(mktemp -d /tmp/swcni-demo.XXXXXX)
UL=swcni-$ID-ul
node_ns() { echo "swcni-$ID-n$1"; }
pod_ns() { echo "swcni-$ID-n$1p$2"; }
# With --routing bgp, even nodes sit on a second segment (192.168.78.0/24) behind the router.
segment() { if [ "$ROUTING_MODE" = bgp ] && [ $(($1 % 2)) = 0 ]; then echo 78; else echo 77; fi; }
node_ip() { echo "192.168.$(segment "$1").$((10 + $1))"; }
routing_json() {
    if [ "$ROUTING_MODE" = vxlan ]; then echo '{"mode": "vxlan"}'; return; fi
    printf '{"mode": "bgp", "peers": "none", "holdTime": %d, "connectRetryTime": 1, "gracefulRestart": false, ' "$HOLD_TIME"
    printf '"routeReflectors": [{"address": "192.168.%s.1", "nodes": ["node%d"]}], ' "$(segment "$1")" "$1"
    printf '"birdConfig": "%s/n%d/bird.conf", "birdSocket": "%s/n%d/bird.ctl"}\n' "$WORK" "$1" "$WORK" "$1"
}
start_bird() { ip netns exec "$1" bird -c "$2/bird.conf" -s "$2/bird.ctl" -P "$2/bird.pid" </dev/null >/dev/null 2>&1; }
# SIGKILL (a crash, as far as the peers can tell): the session drops at once. SIGTERM may be
# blocked in a BIRD started from a process that blocks it (signal masks are inherited).
stop_bird() { [ -s "$1/bird.pid" ] && kill -KILL "$(cat "$1/bird.pid")" 2>/dev/null; rm -f "$1/bird.pid"; }
pod_cidr() { echo "10.244.$1.0/24"; }
SERVERS=()

teardown() {
    set +e
    for pid in "${SERVERS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null; done
    for dir in "$WORK"/n* "$WORK/router"; do [ -d "$dir" ] && stop_bird "$dir"; done
    for n in $(seq 1 "$NODES"); do
        for p in $(seq 1 "$PODS"); do
            if [ -e "/run/netns/$(pod_ns "$n" "$p")" ] && [ -e "$WORK/n$n/$NETWORK.conflist" ]; then
                ip netns exec "$(node_ns "$n")" "$CNICTL" del "$NETWORK" "/run/netns/$(pod_ns "$n" "$p")" \
                    --conf "$WORK/n$n/$NETWORK.conflist" --bin-dir "$BIN_DIR" --cache-dir "$WORK/n$n/cache" >/dev/null 2>&1
            fi
            ip netns del "$(pod_ns "$n" "$p")" 2>/dev/null
        done
        ip netns del "$(node_ns "$n")" 2>/dev/null
    done
    ip netns del "$UL" 2>/dev/null
    rm -rf "$WORK"
}
if [ "$KEEP" = 0 ]; then trap teardown EXIT; fi

if [ "$ROUTING_MODE" = bgp ]; then
    echo "==> underlay: bridges ul0 (192.168.77.0/24, odd nodes) and ul1 (192.168.78.0/24, even nodes) in namespace $UL, which routes between them and runs BIRD as route reflector; pod CIDRs 10.244.N.0/24"
else
    echo "==> underlay: bridge ul0 in namespace $UL; $NODES nodes 192.168.77.11.. ; pod CIDRs 10.244.N.0/24"
fi
ip netns add "$UL"
ip -n "$UL" link set lo up
ip -n "$UL" link add ul0 type bridge
ip -n "$UL" link set ul0 up
if [ "$ROUTING_MODE" = bgp ]; then
    ip -n "$UL" link add ul1 type bridge
    ip -n "$UL" link set ul1 up
    ip -n "$UL" addr add 192.168.77.1/24 dev ul0
    ip -n "$UL" addr add 192.168.78.1/24 dev ul1
    ip netns exec "$UL" sysctl -qw net.ipv4.ip_forward=1
    # What crosses the underlay: VXLAN (must be none) and pod-to-pod packets, switched or routed.
    ip netns exec "$UL" nft -f - <<'NFT'
table bridge swcni_demo {
  chain forward { type filter hook forward priority 0; policy accept; udp dport 4789 counter; ip saddr 10.244.0.0/16 ip daddr 10.244.0.0/16 counter
  }
}
table inet swcni_demo {
  chain forward { type filter hook forward priority 0; policy accept; udp dport 4789 counter; ip saddr 10.244.0.0/16 ip daddr 10.244.0.0/16 counter
  }
}
NFT
fi

# peers file: the whole node list, shared by every node's vxlan configuration.
{
    echo '{"nodes": ['
    for n in $(seq 1 "$NODES"); do
        sep=','; [ "$n" = "$NODES" ] && sep=''
        printf '  {"name": "node%d", "underlayIP": "%s", "podCIDRs": ["%s"]}%s\n' "$n" "$(node_ip "$n")" "$(pod_cidr "$n")" "$sep"
    done
    echo ']}'
} > "$WORK/peers.json"

for n in $(seq 1 "$NODES"); do
    ns=$(node_ns "$n")
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$UL" link add "n$n" type veth peer name eth0 netns "$ns"
    bridge=ul0; [ "$(segment "$n")" = 78 ] && bridge=ul1
    ip -n "$UL" link set "n$n" master "$bridge" up
    ip -n "$ns" addr add "$(node_ip "$n")/24" dev eth0
    ip -n "$ns" link set eth0 up
    [ "$ROUTING_MODE" = bgp ] && ip -n "$ns" route add default via "192.168.$(segment "$n").1"
    mkdir -p "$WORK/n$n/cache"
    sed -e "s|@POD_CIDR@|$(pod_cidr "$n")|" -e "s|@DATA_DIR@|$WORK/n$n|" -e "s|@NODE@|node$n|" \
        -e "s|@CLUSTER_CIDR@|$CLUSTER_CIDR|" -e "s|@PEERS_FILE@|$WORK/peers.json|" -e "s|@DIRECT_ROUTING@|$DIRECT_ROUTING|" -e "s|@DATA_PATH@|$DATA_PATH|" \
        -e "s|@ROUTING@|$(routing_json "$n")|" "$TEMPLATE" > "$WORK/n$n/$NETWORK.conflist"
done

if [ "$ROUTING_MODE" = bgp ]; then
    echo "==> BIRD: the router as route reflector of every node; each node's BIRD on the file its vxlan plugin writes"
    mkdir -p "$WORK/router"
    {
        echo 'router id 192.168.77.1;'
        echo 'protocol device {}'
        echo 'protocol direct { ipv4; interface "ul*"; }'
        echo 'protocol kernel { ipv4 { import none; export filter { if source = RTS_BGP then accept; reject; }; }; }'
        echo "template bgp reflected { local as 64512; rr client; hold time $HOLD_TIME; keepalive time 1; connect retry time 1;"
        echo '  error wait time 1, 5; graceful restart off; ipv4 { import all; export all; next hop self; }; }'
        for n in $(seq 1 "$NODES"); do
            echo "protocol bgp node$n from reflected { local 192.168.$(segment "$n").1; neighbor $(node_ip "$n") as 64512; }"
        done
    } > "$WORK/router/bird.conf"
    start_bird "$UL" "$WORK/router"
    for n in $(seq 1 "$NODES"); do
        # The first reconcile writes BIRD's file; then BIRD starts on it, as its service would.
        ip netns exec "$(node_ns "$n")" "$CNICTL" reconcile-peers "$NETWORK" --conf "$WORK/n$n/$NETWORK.conflist" 2>/dev/null
        start_bird "$(node_ns "$n")" "$WORK/n$n"
    done
    for n in $(seq 1 "$NODES"); do
        for _ in $(seq 1 100); do
            ip netns exec "$(node_ns "$n")" "$CNICTL" status "$NETWORK" --conf "$WORK/n$n/$NETWORK.conflist" \
                --bin-dir "$BIN_DIR" --cache-dir "$WORK/n$n/cache" >/dev/null 2>&1 && break
            sleep 0.2
        done
    done
    # Established sessions first, then the routes: every node learns the other nodes' CIDRs.
    for n in $(seq 1 "$NODES"); do
        for _ in $(seq 1 100); do
            [ "$(ip -n "$(node_ns "$n")" route show proto bird | wc -l)" -ge $((NODES - 1)) ] && break
            sleep 0.1
        done
    done
    ip netns exec "$(node_ns 1)" "$CNICTL" bgp status "$NETWORK" --conf "$WORK/n1/$NETWORK.conflist" | sed 's/^/    node1: /'
fi

echo "==> pods: $PODS per node, cnictl add (bridge + host-local, then vxlan chained)"
declare -A POD_IP
for n in $(seq 1 "$NODES"); do
    for p in $(seq 1 "$PODS"); do
        pns=$(pod_ns "$n" "$p")
        ip netns add "$pns"
        result=$(ip netns exec "$(node_ns "$n")" "$CNICTL" add "$NETWORK" "/run/netns/$pns" \
            --conf "$WORK/n$n/$NETWORK.conflist" --bin-dir "$BIN_DIR" --cache-dir "$WORK/n$n/cache")
        POD_IP[$n.$p]=$(printf '%s' "$result" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ips"][0]["address"].split("/")[0])')
        ip netns exec "$pns" python3 "$PODNET" serve >/dev/null 2>&1 &
        SERVERS+=($!)
    done
done
MTU=$(ip -n "$(pod_ns 1 1)" -o link show eth0 | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
VTEP=$(ip -n "$(node_ns 1)" -d link show vxlan.1 | tr '\n' ' ' | sed -e 's/.*link\/ether \([0-9a-f:]*\).*\(vxlan id [0-9]* local [0-9.]* dev [^ ]*\).*\(dstport [0-9]*\).*/\2 \3 mac \1/')
echo "    node1 VTEP: vxlan.1 $VTEP; routes to peers: $(ip -n "$(node_ns 1)" route show | grep -v -e ' dev cni0 ' -e 'proto kernel' | tr '\n' ';')"
if [ "$ROUTING_MODE" = bgp ]; then echo "    pod MTU: $MTU (underlay 1500, nothing encapsulated)"; else echo "    pod MTU: $MTU (underlay 1500 - 50)"; fi
# Which path pod traffic takes (dataPath): the eBPF program on the VTEP's ingress hook, or the kernel's.
if tc -n "$(node_ns 1)" filter show dev vxlan.1 ingress 2>/dev/null | grep -q swcni_datapath; then
    DATA_PATH_USED="eBPF (tc programs on pod veths, eth0 and vxlan.1: encapsulation in BPF, delivery with bpf_redirect_peer)"
else
    DATA_PATH_USED="kernel (bridge, routing, the VTEP)"
fi
echo "    data path (dataPath $DATA_PATH): $DATA_PATH_USED"
# Wait until every server listens.
for n in $(seq 1 "$NODES"); do for p in $(seq 1 "$PODS"); do
    for _ in $(seq 1 50); do
        ip netns exec "$(pod_ns "$n" "$p")" ss -Htln 'sport = :7777' 2>/dev/null | grep -q 7777 && break
        sleep 0.1
    done
done; done

echo
echo "==> full-mesh TCP: each receiver reports the source address it saw"
printf '%-12s %-14s %-12s %-14s %-10s %-14s %s\n' SENDER "SENDER IP" RECEIVER "RECEIVER IP" PATH "SEEN SOURCE" VERDICT
total=0; good=0
for sn in $(seq 1 "$NODES"); do for sp in $(seq 1 "$PODS"); do
    for rn in $(seq 1 "$NODES"); do for rp in $(seq 1 "$PODS"); do
        [ "$sn.$sp" = "$rn.$rp" ] && continue
        total=$((total + 1))
        src=${POD_IP[$sn.$sp]}; dst=${POD_IP[$rn.$rp]}
        seen=$(ip netns exec "$(pod_ns "$sn" "$sp")" python3 "$PODNET" tcp "$dst" 2>&1 || true)
        path=local
        if [ "$sn" != "$rn" ]; then
            # What the sending node's routing table does with the receiver's address.
            case "$(ip -n "$(node_ns "$sn")" route get "$dst")" in *" dev vxlan."*) path=vxlan ;; *) path=direct ;; esac
            [ "$path" = direct ] && ip -n "$(node_ns "$sn")" route show proto bird | grep -q "^$(pod_cidr "$rn") " && path=bgp
        fi
        if [ "$seen" = "$src" ]; then verdict=ok; good=$((good + 1)); else verdict=FAIL; fi
        printf '%-12s %-14s %-12s %-14s %-10s %-14s %s\n' "node$sn/pod$sp" "$src" "node$rn/pod$rp" "$dst" "$path" "$seen" "$verdict"
    done; done
done; done

echo
echo "==> largest DF packet across nodes (IP packet of MTU $MTU bytes, DF set, UDP echo), and one byte more"
printf '%-12s %-12s %-22s %s\n' FROM TO "$MTU BYTES (DF)" "$((MTU + 1)) BYTES (DF)"
df_total=0; df_good=0
for sn in $(seq 1 "$NODES"); do for rn in $(seq 1 "$NODES"); do
    [ "$sn" = "$rn" ] && continue
    df_total=$((df_total + 1))
    fit=$(ip netns exec "$(pod_ns "$sn" 1)" python3 "$PODNET" df "${POD_IP[$rn.1]}" $((MTU - 28)) 2>&1 || true)
    over=$(ip netns exec "$(pod_ns "$sn" 1)" python3 "$PODNET" df "${POD_IP[$rn.1]}" $((MTU - 27)) 2>&1 || true)
    case "$fit" in ok*) case "$over" in fail*) df_good=$((df_good + 1)) ;; esac ;; esac
    printf '%-12s %-12s %-22s %s\n' "node$sn/pod1" "node$rn/pod1" "$fit" "$over"
done; done

bgp_ok=1
if [ "$ROUTING_MODE" = bgp ]; then
    echo
    counters() { ip netns exec "$UL" nft list ruleset | sed -n 's/.*dport 4789 counter packets \([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}'; }
    pods_routed() { ip netns exec "$UL" nft list ruleset | sed -n 's/.*ip daddr 10.244.0.0\/16 counter packets \([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}'; }
    vxlan_packets=$(counters); pod_packets=$(pods_routed)
    echo "==> underlay: $vxlan_packets VXLAN (UDP 4789) packets, $pod_packets pod-to-pod packets switched or routed unencapsulated"
    [ "$vxlan_packets" = 0 ] && [ "$pod_packets" -gt 0 ] || bgp_ok=0
    echo "==> killing node2's BIRD: node1 must lose the route to $(pod_cidr 2) within the hold time (${HOLD_TIME} s)"
    has_route() { ip -n "$(node_ns 1)" route show proto bird | grep -q "^$(pod_cidr 2) "; }
    stop_bird "$WORK/n2"
    start_ns=$(date +%s%N); gone=""
    for _ in $(seq 1 $((HOLD_TIME * 10 + 20))); do has_route || { gone=$((($(date +%s%N) - start_ns) / 1000000)); break; }; sleep 0.1; done
    if [ -n "$gone" ]; then echo "    withdrawn after $gone ms"; else echo "    still routed: FAIL"; bgp_ok=0; fi
    start_bird "$(node_ns 2)" "$WORK/n2"
    start_ns=$(date +%s%N); back=""
    for _ in $(seq 1 150); do has_route && { back=$((($(date +%s%N) - start_ns) / 1000000)); break; }; sleep 0.1; done
    if [ -n "$back" ]; then echo "    BIRD started again: route back after $back ms"; else echo "    not routed again: FAIL"; bgp_ok=0; fi
fi

if [ "$BENCH" = 1 ]; then
    echo
    PATH_KIND=VXLAN; [ "$DIRECT_ROUTING" = true ] && PATH_KIND="direct routing"; [ "$ROUTING_MODE" = bgp ] && PATH_KIND="BGP routes"
    echo "==> bench node1 -> node2: iperf3 TCP (pod to pod through $PATH_KIND vs node to node on the underlay), TCP request/response"
    command -v iperf3 >/dev/null || { echo "demo.sh: --bench needs iperf3" >&2; exit 1; }
    ip netns exec "$(node_ns 2)" python3 "$PODNET" serve >/dev/null 2>&1 &
    SERVERS+=($!)
    # iperf3's client on CPU 0 and server on CPU 1 (both paths alike): on a 2-CPU machine the
    # two "nodes" share the CPUs, and a scheduler that sometimes puts both ends on one CPU
    # makes single runs swing by +-20%; pinned, each end's softirq work stays with it, as on
    # two machines.
    CLIENT=(); SERVER=()
    if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then CLIENT=(taskset -c 0); SERVER=(taskset -c 1); fi
    ip netns exec "$(pod_ns 2 1)" ${SERVER[@]+"${SERVER[@]}"} iperf3 -s -D >/dev/null 2>&1
    ip netns exec "$(node_ns 2)" ${SERVER[@]+"${SERVER[@]}"} iperf3 -s -D >/dev/null 2>&1
    sleep 0.5
    gbps() { python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'; }
    median() { python3 -c 'import sys; v = sorted(float(x) for x in sys.argv[1:]); print("%.2f" % v[len(v) // 2])' "$@"; }
    # Interleaved rounds, median of each: the two paths see the same machine load.
    pod_runs=(); node_runs=()
    for _ in $(seq 1 "$BENCH_ROUNDS"); do
        pod_runs+=("$(ip netns exec "$(pod_ns 1 1)" ${CLIENT[@]+"${CLIENT[@]}"} iperf3 -c "${POD_IP[2.1]}" -t 3 -J | gbps)")
        node_runs+=("$(ip netns exec "$(node_ns 1)" ${CLIENT[@]+"${CLIENT[@]}"} iperf3 -c "$(node_ip 2)" -t 3 -J | gbps)")
    done
    pod_bw=$(median "${pod_runs[@]}"); node_bw=$(median "${node_runs[@]}")
    echo "    runs (Gbit/s) pod: ${pod_runs[*]}; node: ${node_runs[*]}"
    # Returns 0 whatever the last pid was (under set -e, a false `[ ... ]` would end the demo).
    pkill_iperf() { for ns in "$(pod_ns 2 1)" "$(node_ns 2)"; do ip netns pids "$ns" | while read -r pid; do
        if [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = iperf3 ]; then kill "$pid"; fi; done; done; }
    pod_rr=$(ip netns exec "$(pod_ns 1 1)" python3 "$PODNET" rr "${POD_IP[2.1]}" 5000)
    node_rr=$(ip netns exec "$(node_ns 1)" python3 "$PODNET" rr "$(node_ip 2)" 5000)
    printf '%-34s %-14s %s\n' PATH "THROUGHPUT" "TCP RR LATENCY"
    printf '%-34s %-14s %s\n' "pod to pod ($PATH_KIND, MTU $MTU)" "$pod_bw Gbit/s" "$pod_rr"
    printf '%-34s %-14s %s\n' "node to node (underlay, MTU 1500)" "$node_bw Gbit/s" "$node_rr"
    if [ "$PODS" -ge 2 ]; then
        # Same-node pod pair: bridge only, no VXLAN (separates the overlay's cost from the pod path's).
        ip netns exec "$(pod_ns 1 2)" ${SERVER[@]+"${SERVER[@]}"} iperf3 -s -D >/dev/null 2>&1
        sleep 0.3
        local_bw=$(ip netns exec "$(pod_ns 1 1)" ${CLIENT[@]+"${CLIENT[@]}"} iperf3 -c "${POD_IP[1.2]}" -t 3 -J | gbps)
        local_rr=$(ip netns exec "$(pod_ns 1 1)" python3 "$PODNET" rr "${POD_IP[1.2]}" 5000)
        SAME_NODE="bridge"; case "$DATA_PATH_USED" in eBPF*) SAME_NODE="eBPF, no bridge" ;; esac
        printf '%-34s %-14s %s\n' "pod to pod, same node ($SAME_NODE)" "$local_bw Gbit/s" "$local_rr"
        for pid in $(ip netns pids "$(pod_ns 1 2)"); do [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = iperf3 ] && kill "$pid"; done
    fi
    echo "    ratio pod/node throughput (medians of $BENCH_ROUNDS interleaved 3 s runs${CLIENT[*]:+, client on CPU 0, server on CPU 1}): $(python3 -c "print('%.2f' % ($pod_bw / $node_bw))")"
    pkill_iperf
fi

echo
echo "==> summary: TCP $good/$total with the sender's own address; DF $df_good/$df_total (MTU-size passes, MTU+1 refused)$([ "$ROUTING_MODE" = bgp ] && { [ "$bgp_ok" = 1 ] && echo "; BGP: no VXLAN, withdrawn and restored" || echo "; BGP: FAIL"; })"
if [ "$KEEP" = 1 ]; then
    echo "    kept: namespaces swcni-$ID-* (with their echo servers) and $WORK; remove with:"
    echo "    for ns in \$(ip netns list | awk '/^swcni-$ID-/ {print \$1}'); do ip netns pids \$ns | xargs -r kill; ip netns del \$ns; done; rm -rf $WORK"
    [ "$ROUTING_MODE" = bgp ] && echo "    (BIRD daemons: kill \$(cat $WORK/n*/bird.pid $WORK/router/bird.pid))"
fi
[ "$good" = "$total" ] && [ "$df_good" = "$df_total" ] && [ "$bgp_ok" = 1 ]
