"""What a soak node holds, read from the kernel and the files the plugins keep.

Every read is an observation tool (ip, bridge, nft, tc, bpftool) run against the node's
network namespace, or a directory listing of the run's own host-local dataDir and
cnictl cache. Nothing here changes state.

Counts are split per network, in pod units where the resource is per pod, so a check can
compare each of them with the set of pods that are live at the moment of the sample.
"""
import ipaddress
import json
import os
import re
import subprocess

IP_FILE = re.compile(r"^[0-9a-fA-F.:]+$")
ATTACHMENT_TAG = re.compile(r"\ba=([0-9a-f]{16})\b")
NETWORK_TAG = re.compile(r"\bn=([0-9a-f]{16})\b")
MEMBERSHIP = re.compile(r"^m-([0-9a-f]{16})-([0-9a-f]{16})$")
TC_PROG_ID = re.compile(r"\bid (\d+)\b")


def fnv1a64(parts):
    """The attachment/network keys of our nftables comments (Sources/NFTables/Ownership/FNV1a.swift)."""
    h = 0xCBF29CE484222325
    prime = 0x100000001B3
    mask = (1 << 64) - 1
    for i, part in enumerate(parts):
        if i > 0:
            h = (h * prime) & mask  # a zero byte between parts: h ^= 0 is a no-op
        for byte in part.encode():
            h ^= byte
            h = (h * prime) & mask
    return "%016x" % h


def run_json(args):
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else []


class NodeState:
    """Reads one node namespace. `networks` maps a network name to its settings dict:
    bridge (name), ipam_dir, kind ('bridge' or 'vxlan'), vtep (for vxlan)."""

    def __init__(self, node_ns, networks, cache_dir, underlay_dev):
        self.ns = node_ns
        self.networks = networks
        self.cache_dir = cache_dir
        self.underlay_dev = underlay_dev

    # -- host-local ------------------------------------------------------------------------
    def reservations(self, network):
        """{ip: owner} of the network's host-local reservation files ('<cid>\\r\\n<ifname>')."""
        d = self.networks[network]["ipam_dir"]
        out = {}
        try:
            names = os.listdir(d)
        except FileNotFoundError:
            return out
        for name in names:
            if not IP_FILE.match(name):
                continue
            try:
                ipaddress.ip_address(name)
            except ValueError:
                continue
            try:
                with open(os.path.join(d, name), "rb") as f:
                    out[name] = f.read().decode(errors="replace")
            except FileNotFoundError:
                continue
        return out

    # -- cnictl's result cache -------------------------------------------------------------
    def cache_entries(self, network):
        """(entries, leftover temporary files '<entry>.tmp-<pid>' of the atomic write)."""
        d = os.path.join(self.cache_dir, "results")
        try:
            names = sorted(n for n in os.listdir(d) if n.startswith(network + "-"))
        except FileNotFoundError:
            return [], []
        return [n for n in names if ".tmp-" not in n], [n for n in names if ".tmp-" in n]

    # -- links -----------------------------------------------------------------------------
    def links(self):
        return run_json(["ip", "-n", self.ns, "-j", "-d", "link", "show"])

    # -- nftables --------------------------------------------------------------------------
    def nft(self):
        doc = run_json(["ip", "netns", "exec", self.ns, "nft", "-j", "list", "ruleset"])
        items = doc.get("nftables", []) if isinstance(doc, dict) else []
        rules, chains = [], []
        for item in items:
            if "rule" in item:
                rules.append(item["rule"])
            elif "chain" in item:
                chains.append(item["chain"])
        return rules, chains

    # -- bridge FDB and neighbours ---------------------------------------------------------
    def fdb(self):
        return run_json(["bridge", "-n", self.ns, "-j", "fdb", "show"])

    def neighbours(self):
        return run_json(["ip", "-n", self.ns, "-j", "neigh", "show"]) + \
            run_json(["ip", "-n", self.ns, "-j", "-6", "neigh", "show"])

    # -- eBPF data path --------------------------------------------------------------------
    def ebpf_maps(self, vtep):
        """({map name: [entries]}, None) for the program on the VTEP's ingress hook, or
        (None, reason) when the node has no eBPF data path."""
        try:
            text = subprocess.run(["tc", "-n", self.ns, "filter", "show", "dev", vtep, "ingress"],
                                  check=True, capture_output=True, text=True).stdout
        except subprocess.CalledProcessError as e:
            return None, "tc filter show dev %s ingress failed: %s" % (vtep, e.stderr.strip())
        prog_ids = [m.group(1) for line in text.splitlines() if "bpf" in line for m in [TC_PROG_ID.search(line)] if m]
        if not prog_ids:
            return None, "no eBPF program on %s ingress (kernel data path)" % vtep
        try:
            prog = run_json(["bpftool", "-j", "prog", "show", "id", prog_ids[0]])
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            return None, "bpftool prog show failed: %s" % e
        maps = {}
        for map_id in prog.get("map_ids", []):
            info = run_json(["bpftool", "-j", "map", "show", "id", str(map_id)])
            name = info.get("name", str(map_id))
            if not name.startswith("swcni_"):
                continue  # .rodata/.bss of the program
            maps[name] = run_json(["bpftool", "-j", "map", "dump", "id", str(map_id)])
        return maps, None


def map_key_ip(entry):
    """The address of a swcni_pods key (16 bytes; IPv4 as ::ffff:a.b.c.d)."""
    key = entry.get("key")
    if isinstance(key, list):
        raw = bytes(int(b, 16) for b in key)
    elif isinstance(entry.get("formatted"), dict) and "key" in entry["formatted"]:
        addr = entry["formatted"]["key"].get("addr", [])
        raw = bytes(int(b) for b in addr)
    else:
        return None
    raw = raw[:16]
    if len(raw) != 16:
        return None
    ip = ipaddress.IPv6Address(raw)
    return str(ip.ipv4_mapped) if ip.ipv4_mapped else str(ip)


STALE = ("resv_stale", "veth_stale", "nft_stale", "cache_stale", "cache_tmp", "ebpf_stale", "neigh_stale_perm")


def stale(c):
    """Resources held for pods that are not live (at a barrier there must be none)."""
    return {k: c[k] for k in STALE if isinstance(c.get(k), int) and c[k]}


LABELS = {
    "resv": "host-local reservations", "resv_stale": "reservations of pods that are not live",
    "veth": "host veths (attachment alias)", "veth_stale": "host veths of pods that are not live",
    "tomb": "retired veth pairs not yet deleted", "ports": "bridge ports", "fdb_ports": "bridge ports with FDB entries",
    "cache": "result-cache entries", "cache_tmp": "leftover result-cache temporary files (.tmp-<pid>)",
    "cache_stale": "result-cache entries of pods that are not live",
    "nft_pods": "pods with nftables rules/memberships", "nft_stale": "nftables attachments of pods that are not live",
    "neigh_stale_perm": "permanent neighbour entries of addresses no live pod holds",
    "ebpf": "eBPF swcni_pods entries", "ebpf_stale": "eBPF swcni_pods entries of addresses no live pod holds",
}


def sample(state, live):
    """One observation of the node. `live` maps network -> {container_id: ip} of the pods that
    are fully added and not being deleted (the caller holds the workers at a barrier).

    Returns {network: {count name: value}}, per-network state, and a list of problems
    (duplicates, and resources held by pods that are not live) found in this sample."""
    problems = []
    counts = {}
    links = state.links()
    by_name = {l["ifname"]: l for l in links}
    try:
        fdb = state.fdb()
    except subprocess.CalledProcessError:
        fdb = []
    neigh = state.neighbours()
    rules, chains = state.nft()
    node_state = {}

    for network, cfg in state.networks.items():
        pods = live.get(network, {})
        c = {"live": len(pods)}
        # Duplicate addresses among live pods.
        seen = {}
        for cid, ip in pods.items():
            if ip in seen:
                problems.append("%s: duplicate address %s held by live pods %s and %s" % (network, ip, seen[ip], cid))
            seen[ip] = cid
        # host-local: duplicates by owner, reservations of pods that are not live.
        res = state.reservations(network)
        c["resv"] = len(res)
        owners = {}
        for ip, owner in res.items():
            if owner in owners:
                problems.append("%s: two reservation files with the same owner %r: %s and %s" % (network, owner, owners[owner], ip))
            owners[owner] = ip
        for cid, ip in pods.items():
            owner = res.get(ip)
            if owner is None:
                problems.append("%s: live pod %s has no reservation for its address %s" % (network, cid, ip))
            elif owner.split("\r\n")[0] != cid:
                problems.append("%s: address %s of live pod %s is reserved for %r" % (network, ip, cid, owner))
        c["resv_stale"] = sum(1 for owner in res.values() if owner.split("\r\n")[0] not in pods)
        # Veths: host ends carry the alias swcni:<network>/<cid>/<ifname> (retired pairs waiting
        # for their background deletion: swcni-tomb:<network>).
        veths = [l for l in links if l.get("linkinfo", {}).get("info_kind") == "veth" and l["ifname"] != state.underlay_dev]
        ours = [l for l in veths if l.get("ifalias", "").startswith("swcni:%s/" % network)]
        tombs = [l for l in veths if l.get("ifalias", "") == "swcni-tomb:%s" % network]
        c["veth"] = len(ours)
        c["tomb"] = len(tombs)
        veth_cids = [l["ifalias"].split("/")[1] for l in ours]
        c["veth_stale"] = sum(1 for cid in veth_cids if cid not in pods)
        dup = {cid for cid in veth_cids if veth_cids.count(cid) > 1}
        for cid in sorted(dup):
            problems.append("%s: more than one host veth with the alias of pod %s" % (network, cid))
        # Bridge ports (every port of the network's bridge that is not the VTEP).
        ports = [l for l in links if l.get("master") == cfg["bridge"] and l["ifname"] != cfg.get("vtep")]
        c["ports"] = len(ports)
        port_names = {l["ifname"] for l in ports}
        # FDB entries on the pod ports of the bridge.
        on_ports = [e for e in fdb if e.get("ifname") in port_names]
        c["fdb"] = len(on_ports)
        c["fdb_ports"] = len({e["ifname"] for e in on_ports})
        # Neighbour entries on the network's bridge (the gateway's view of its pods).
        pod_ips = set(pods.values())
        br_neigh = [n for n in neigh if n.get("dev") == cfg["bridge"]]
        c["neigh"] = len(br_neigh)
        c["neigh_stale_perm"] = sum(1 for n in br_neigh if n.get("dst") not in pod_ips and "PERMANENT" in n.get("state", []))
        # nftables: rules and membership chains tagged with one of this network's attachments.
        nkey = fnv1a64([network])
        live_keys = {fnv1a64([network, cid, "eth0"]): cid for cid in pods}
        net_rules = [r for r in rules if (m := NETWORK_TAG.search(r.get("comment") or "")) and m.group(1) == nkey]
        c["nft_rules"] = len(net_rules)
        att_keys = {m.group(1) for r in net_rules if (m := ATTACHMENT_TAG.search(r["comment"]))}
        members = {m.group(2) for ch in chains if (m := MEMBERSHIP.match(ch.get("name", ""))) and m.group(1) == nkey}
        # Memberships of pods: not the network's own (empty container ID) nor vxlan's node-level
        # owner (container ID "node", the VTEP as ifname).
        network_owners = {fnv1a64([network, "", ""])}
        if cfg.get("vtep"):
            network_owners.add(fnv1a64([network, "node", cfg["vtep"]]))
        pod_keys = (members | att_keys) - network_owners
        c["nft_pods"] = len(pod_keys)
        c["nft_stale"] = len(pod_keys - set(live_keys))
        # cnictl result cache.
        cache, cache_tmp = state.cache_entries(network)
        c["cache"] = len(cache)
        c["cache_tmp"] = len(cache_tmp)
        c["cache_tmp_names"] = cache_tmp
        c["cache_stale"] = sum(1 for name in cache if not any(name == "%s-%s-eth0" % (network, cid) for cid in pods))
        # eBPF data path (vxlan networks).
        if cfg["kind"] == "vxlan":
            vtep = cfg["vtep"]
            maps, reason = state.ebpf_maps(vtep)
            if maps is None:
                c["ebpf"] = "n/a"
                node_state["ebpf"] = reason
            else:
                entries = maps.get("swcni_pods", [])
                ips = [map_key_ip(e) for e in entries]
                c["ebpf"] = len(entries)
                c["ebpf_stale"] = sum(1 for ip in ips if ip not in pod_ips)
                node_state["ebpf_peers"] = len(maps.get("swcni_peers", []))
                node_state["ebpf_node"] = len(maps.get("swcni_node", []))
            node_state["vtep_fdb"] = sum(1 for e in fdb if e.get("ifname") == vtep)
            node_state["vtep_neigh"] = sum(1 for n in neigh if n.get("dev") == vtep)
            node_state["vtep_up"] = vtep in by_name
        else:
            c["ebpf"] = "-"
        counts[network] = c
        for key, value in stale(c).items():
            if key == "cache_tmp":
                continue  # cnictl gc removes these (a writer killed before its rename): checked after GC
            problems.append("%s: %d %s" % (network, value, LABELS[key]))
    node_state["nft_rules_total"] = len(rules)
    return counts, node_state, problems
