"""Printing and the end-of-run checks of the churn soak."""
import datetime
import os
import platform

from nodestate import LABELS, stale


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p))]


def ms(value):
    return "-" if value is None else "%.0f" % (value * 1000)


def short(network):
    return network.rsplit("-", 1)[-1]


def header(args, topo):
    load = os.getloadavg()
    print("==> churn soak %s: %d workers, %g min, %.0f%% of ADDs killed (SIGKILL to the process group), "
          "samples every %g s" % (topo.run_id, args.workers, args.minutes, args.kill_fraction * 100, args.interval))
    print("    started %s UTC on %s (%d CPUs, load average %.1f %.1f %.1f); binaries: %s"
          % (datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"), platform.node(),
             os.cpu_count(), load[0], load[1], load[2], args.bin_dir))
    print("    node namespace %s; networks: %s" % (topo.node_ns, ", ".join(
        "%s (%s)" % (n, "bridge + host-local, ipMasq, macspoofchk" if s["kind"] == "bridge" else
                     "bridge + host-local, then vxlan, VTEP %s" % s["vtep"]) for n, s in topo.networks.items())))
    print("    latencies: wall time of `ip netns exec NODE cnictl add|del` (ms); counts sampled with every worker "
          "held at a barrier\n    (no operation in flight), so each pod is either fully added or gone")
    print()
    print(COLUMNS)
    print("-" * len(COLUMNS), flush=True)


COLUMNS = ("min net     ADDs kill fail  p50   p99 | DELs  p50   p99 |"
           " live resv veth tomb port  fdb nftP nftR ebpf cache stale")


def minute(index, events, counts, node_state, wait, pause):
    for network, c in counts.items():
        ev = [e for e in events if e[1] == network]
        adds = [e[3] for e in ev if e[2] == "add" and e[4] == "ok"]
        kills = sum(1 for e in ev if e[2] == "add" and e[4] == "killed")
        fails = sum(1 for e in ev if e[4].startswith("failed"))
        dels = [e[3] for e in ev if e[2] == "del" and e[4] == "ok"]
        print("%3d %-6s %5d %4d %4d %5s %5s | %4d %5s %5s | %4d %4d %4d %4d %4d %4d %4s %4s %4s %5d %5d" % (
            index, short(network), len(adds), kills, fails, ms(pct(adds, 0.5)), ms(pct(adds, 0.99)),
            len(dels), ms(pct(dels, 0.5)), ms(pct(dels, 0.99)),
            c["live"], c["resv"], c["veth"], c["tomb"], c["ports"], c["fdb"], c["nft_pods"], c["nft_rules"],
            c["ebpf"], c["cache"], sum(stale(c).values())))
    extra = "    node: VTEP fdb %s neigh %s" % (node_state.get("vtep_fdb"), node_state.get("vtep_neigh"))
    if "ebpf" in node_state:
        extra += "; eBPF n/a: %s" % node_state["ebpf"]
    else:
        extra += "; eBPF peers %s node %s" % (node_state.get("ebpf_peers"), node_state.get("ebpf_node"))
    extra += "; nft rules (all tables) %d; bridge neigh %s; barrier %.1f s + sample %.1f s; load %.1f" % (
        node_state["nft_rules_total"], "/".join(str(c["neigh"]) for c in counts.values()), wait, pause, os.getloadavg()[0])
    print(extra, flush=True)


def _expectations(counts, zero):
    out = []
    for network, c in counts.items():
        live = 0 if zero else c["live"]
        want = {"resv": live, "veth": live, "tomb": 0, "ports": live, "fdb_ports": live, "cache": live, "cache_tmp": 0,
                "resv_stale": 0, "veth_stale": 0, "nft_stale": 0, "cache_stale": 0, "neigh_stale_perm": 0}
        want["nft_pods"] = live if short(network) == "bridge" else 0
        if isinstance(c["ebpf"], int):
            want["ebpf"] = live
            want["ebpf_stale"] = 0
        if zero:
            want["live"] = 0
        for key, value in want.items():
            if c.get(key) != value:
                out.append("%s: %s is %s, expected %s (live pods: %d)" % (network, LABELS.get(key, key), c.get(key), value, c["live"]))
        for name in c.get("cache_tmp_names", []):
            out.append("%s: leftover result-cache temporary file %s" % (network, name))
    return out


def check_equal_live(counts, node_state):
    return _expectations(counts, zero=False)


def check_zero(counts, node_state):
    return _expectations(counts, zero=True)


def counts_table(title, counts, node_state):
    print("    %s:" % title)
    keys = ["live", "resv", "resv_stale", "veth", "veth_stale", "tomb", "ports", "fdb", "fdb_ports", "neigh",
            "nft_pods", "nft_stale", "nft_rules", "ebpf", "ebpf_stale", "cache", "cache_stale", "cache_tmp"]
    print("      %-8s " % "" + " ".join("%10s" % k for k in keys))
    for network, c in counts.items():
        print("      %-8s " % short(network) + " ".join("%10s" % c.get(k, "-") for k in keys))
    print("      node: %s" % ", ".join("%s=%s" % kv for kv in sorted(node_state.items())), flush=True)


def summary(events, errors, failures):
    print("\n==> summary")
    networks = sorted({e[1] for e in events})
    for network in networks:
        ev = [e for e in events if e[1] == network]
        adds = [e[3] for e in ev if e[2] == "add" and e[4] == "ok"]
        dels = [e[3] for e in ev if e[2] == "del" and e[4] == "ok"]
        kills = sum(1 for e in ev if e[2] == "add" and e[4] == "killed")
        missed = sum(1 for e in ev if e[2] == "kill-missed")
        print("    %-6s ADD %d ok (p50 %s ms, p99 %s ms), %d killed mid-way (%d more finished before their kill);"
              " DEL %d ok (p50 %s ms, p99 %s ms)" % (
            short(network), len(adds), ms(pct(adds, 0.5)), ms(pct(adds, 0.99)), kills, missed,
            len(dels), ms(pct(dels, 0.5)), ms(pct(dels, 0.99))))
    if errors:
        print("    %d unexpected operation failures; first ones:" % len(errors))
        for e in errors[:10]:
            print("      " + e)
    if failures:
        print("    CHECKS FAILED:")
        for f in failures:
            print("      " + f)
    elif not errors:
        print("    checks passed: no duplicate address or owner at any sample; after GC every count equals the live pods;"
              " after the final DEL every per-pod count is zero")
