#!/usr/bin/env bash
# A multi-node pod network in one machine, without touching the host's network: node
# network namespaces on an underlay bridge (itself inside a namespace), each node with its
# pod CIDR and the conflist from conf/vxlan-demo (bridge + host-local, then vxlan chained),
# pods created with cnictl; then a table of full-mesh pod-to-pod TCP reachability with the
# source address each receiver saw (must be the sender pod's own address: no NAT), and a
# largest-size DF packet crossing every pair of nodes.
#
#   scripts/demo.sh [--nodes N] [--pods N] [--keep] [--bin-dir DIR] [--bench] [--direct-routing]
#                   [--data-path auto|ebpf|kernel]
#
# --bench adds, between node1 and node2: iperf3 TCP throughput pod-to-pod (through VXLAN)
# against the same iperf3 between the two node namespaces over the underlay, and TCP
# request/response latency (one-byte ping-pong) for both: medians of --bench-rounds N (7)
# interleaved 3 s runs, iperf3's client pinned to CPU 0 and its server to CPU 1.
# --direct-routing sets the vxlan plugin's directRouting: nodes share the underlay's L2
# subnet, so pod traffic between them is routed to the peer node without encapsulation.
# --data-path sets the vxlan plugin's dataPath (default auto: the eBPF data path where it
# loads); the demo prints which one the nodes use.
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
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "demo.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
case "$DATA_PATH" in auto|ebpf|kernel) ;; *) echo "demo.sh: --data-path is auto, ebpf or kernel" >&2; exit 2 ;; esac
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
node_ip() { echo "192.168.77.$((10 + $1))"; }
pod_cidr() { echo "10.244.$1.0/24"; }
SERVERS=()

teardown() {
    set +e
    for pid in "${SERVERS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null; done
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

echo "==> underlay: bridge ul0 in namespace $UL; $NODES nodes 192.168.77.11.. ; pod CIDRs 10.244.N.0/24"
ip netns add "$UL"
ip -n "$UL" link set lo up
ip -n "$UL" link add ul0 type bridge
ip -n "$UL" link set ul0 up

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
    ip -n "$UL" link set "n$n" master ul0 up
    ip -n "$ns" addr add "$(node_ip "$n")/24" dev eth0
    ip -n "$ns" link set eth0 up
    mkdir -p "$WORK/n$n/cache"
    sed -e "s|@POD_CIDR@|$(pod_cidr "$n")|" -e "s|@DATA_DIR@|$WORK/n$n|" -e "s|@NODE@|node$n|" \
        -e "s|@CLUSTER_CIDR@|$CLUSTER_CIDR|" -e "s|@PEERS_FILE@|$WORK/peers.json|" -e "s|@DIRECT_ROUTING@|$DIRECT_ROUTING|" -e "s|@DATA_PATH@|$DATA_PATH|" "$TEMPLATE" > "$WORK/n$n/$NETWORK.conflist"
done

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
echo "    pod MTU: $MTU (underlay 1500 - 50)"
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

if [ "$BENCH" = 1 ]; then
    echo
    PATH_KIND=VXLAN; [ "$DIRECT_ROUTING" = true ] && PATH_KIND="direct routing"
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
    pkill_iperf() { for ns in "$(pod_ns 2 1)" "$(node_ns 2)"; do ip netns pids "$ns" | while read -r pid; do
        [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = iperf3 ] && kill "$pid"; done; done; }
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
echo "==> summary: TCP $good/$total with the sender's own address; DF $df_good/$df_total (MTU-size passes, MTU+1 refused)"
if [ "$KEEP" = 1 ]; then
    echo "    kept: namespaces swcni-$ID-* (with their echo servers) and $WORK; remove with:"
    echo "    for ns in \$(ip netns list | awk '/^swcni-$ID-/ {print \$1}'); do ip netns pids \$ns | xargs -r kill; ip netns del \$ns; done; rm -rf $WORK"
fi
[ "$good" = "$total" ] && [ "$df_good" = "$df_total" ]
