#!/usr/bin/env python3
"""Checks that the bench's floor (bridge_add_floor) configures the kernel as our bridge
plugin does: each side gets a node namespace and three pod namespaces, ADDs container c0 to
the first pod (bridge, nftables table and store created), c1 to the second (everything in
place: the bench's steady state) and c2 to the third on a second network and bridge (its
accepts join the existing table), then the kernel state and the host-local store of the two
node namespaces and of their pods are compared: links with details (`ip -d link`), bridge
ports (`bridge link`, `bridge vlan`), addresses, routes of every table, every interface's
IPv4 and IPv6 sysctls and the global forwarding ones, the nftables ruleset (with handles),
and the store's files with their contents. Random names and MACs (host veth names,
interface MACs, IPv6 link-local addresses) are replaced by stable names (a host veth by its
alias, a MAC or link-local address by its interface); timers are dropped; lists are sorted.

    bench/floor/check_floor.py --ours BIN_DIR --floor FLOOR_BINARY [--keep]

Exit status 0 when both sides agree; otherwise the differences are printed. Needs root.
"""
import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

RUN = uuid.uuid4().hex[:6]
# (network, bridge, subnet) of each pod: two on the first network, then one on a second network
# whose accepts join the nftables table the first one made.
PODS = [("floorchk", "swflchk0", "10.71.0.0/24"), ("floorchk", "swflchk0", "10.71.0.0/24"),
        ("floorchk2", "swflchk1", "10.71.1.0/24")]


def run(*args, check=True, **kw):
    return subprocess.run(args, check=check, capture_output=True, text=True, **kw)


def ns_exec(ns, *args):
    return run("ip", "netns", "exec", ns, *args).stdout


def add_ours(args, node, pod, cid, store, network, bridge, subnet):
    conf = json.dumps({
        "cniVersion": "1.0.0", "name": network, "type": "bridge", "bridge": bridge, "isGateway": True,
        "ipam": {"type": "host-local", "dataDir": store, "ranges": [[{"subnet": subnet}]]},
    })
    env = {"CNI_COMMAND": "ADD", "CNI_CONTAINERID": cid, "CNI_NETNS": f"/run/netns/{pod}", "CNI_IFNAME": "eth0",
           "CNI_PATH": args.ours, "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")}
    out = subprocess.run(["ip", "netns", "exec", node, os.path.join(args.ours, "bridge")], input=conf,
                         capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"our bridge ADD {cid} failed: {out.stdout} {out.stderr}")


def add_floor(args, node, pod, cid, store, network, bridge, subnet):
    out = subprocess.run(["ip", "netns", "exec", node, args.floor, "add", f"/run/netns/{pod}", "eth0", bridge, subnet,
                          store, network, cid], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"floor ADD {cid} failed: {out.stdout} {out.stderr}")


def identities(ns):
    """Stable names for what the kernel or the plugin chose at random in namespace `ns`: a
    host veth is named by its alias (the attachment), a MAC and an IPv6 link-local address
    by the interface that holds them."""
    links = json.loads(ns_exec(ns, "ip", "-j", "link", "show"))
    names = {}
    for link in links:
        name = link["ifname"]
        names[name] = f"veth<{link['ifalias']}>" if re.fullmatch(r"veth[0-9a-f]{8}", name) and link.get("ifalias") else name
    tokens = {}
    for link in links:
        if link.get("address") and link["address"] not in ("00:00:00:00:00:00",):
            tokens[link["address"]] = f"<mac of {names[link['ifname']]}>"
    for entry in json.loads(ns_exec(ns, "ip", "-6", "-j", "addr", "show")):
        for info in entry.get("addr_info", []):
            if info.get("local", "").startswith("fe80:"):
                tokens[info["local"]] = f"<link-local of {names[entry['ifname']]}>"
    for name, stable in names.items():
        if stable != name:
            tokens[name] = stable
    return tokens


def normalize(text, tokens):
    # Bridge ids print their MAC without leading zeros ("8000.ae:ba:4b:98:28:b").
    text = re.sub(r"\b([0-9a-f]{4})\.((?:[0-9a-f]{1,2}:){5}[0-9a-f]{1,2})\b",
                  lambda m: m.group(1) + "." + ":".join(x.zfill(2) for x in m.group(2).split(":")), text)
    if not tokens:
        return text
    pattern = re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))
    return pattern.sub(lambda m: tokens[m.group(0)], text)


def drop_timers(value):
    if isinstance(value, dict):
        return {k: drop_timers(v) for k, v in value.items() if not k.endswith("_timer")}
    if isinstance(value, list):
        return [drop_timers(v) for v in value]
    return value


def sysctls(ns):
    """Every interface's ipv4/ipv6 conf sysctls and the global forwarding ones."""
    script = (
        "import os,sys\n"
        "out=[]\n"
        "for fam in ('ipv4','ipv6'):\n"
        "  base=f'/proc/sys/net/{fam}/conf'\n"
        "  for dev in sorted(os.listdir(base)):\n"
        "    for key in sorted(os.listdir(f'{base}/{dev}')):\n"
        "      try: v=open(f'{base}/{dev}/{key}').read().strip()\n"
        "      except OSError as e: v=f'<{e.strerror}>'\n"
        "      out.append(f'net.{fam}.conf.{dev}.{key} = {v}')\n"
        "out.append('net.ipv4.ip_forward = '+open('/proc/sys/net/ipv4/ip_forward').read().strip())\n"
        "print('\\n'.join(out))\n")
    return ns_exec(ns, "python3", "-c", script)


def snapshot(ns, with_nft):
    tokens = identities(ns)
    parts = {}
    for label, cmd in [
        ("ip -d link", ["ip", "-j", "-d", "link", "show"]),
        ("ip addr", ["ip", "-j", "addr", "show"]),
        ("ip -4 route (all tables)", ["ip", "-4", "-j", "route", "show", "table", "all"]),
        ("ip -6 route (all tables)", ["ip", "-6", "-j", "route", "show", "table", "all"]),
        ("bridge -d link", ["bridge", "-j", "-d", "link", "show"]),
        ("bridge vlan", ["bridge", "-j", "vlan", "show"]),
    ]:
        out = normalize(ns_exec(ns, *cmd).strip() or "[]", tokens)
        # Sorted: the kernel lists some entries (local routes) by random values.
        entries = [json.dumps(e, indent=1, sort_keys=True) for e in drop_timers(json.loads(out))]
        parts[label] = "\n".join(sorted(entries))
    parts["sysctls"] = "\n".join(sorted(normalize(sysctls(ns), tokens).splitlines()))
    if with_nft:
        ruleset = json.loads(ns_exec(ns, "nft", "-j", "list", "ruleset"))
        parts["nft ruleset"] = json.dumps([o for o in ruleset["nftables"] if "metainfo" not in o], indent=1, sort_keys=True)
    return parts


def store_listing(store):
    lines = []
    for root, dirs, files in os.walk(store):
        dirs.sort()
        rel = os.path.relpath(root, store)
        lines.append(f"dir {rel} mode {oct(os.stat(root).st_mode & 0o7777)}")
        for name in sorted(files):
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                content = f.read()
            lines.append(f"file {os.path.join(rel, name)} mode {oct(os.stat(path).st_mode & 0o7777)} {content!r}")
    return "\n".join(lines)


def side(args, who, add, tmp):
    node, pods = f"swcni-fl-{RUN}-{who}-n", [f"swcni-fl-{RUN}-{who}-p{i}" for i in range(len(PODS))]
    store = os.path.join(tmp, who)
    for ns in [node] + pods:
        run("ip", "netns", "add", ns)
    try:
        ns_exec(node, "ip", "link", "set", "lo", "up")
        for i, pod in enumerate(pods):
            add(args, node, pod, f"c{i}", store, *PODS[i])
        # The host veths' IPv6 DAD (on by default in the node) settles within ~1 s.
        deadline = time.monotonic() + 5
        while "tentative" in ns_exec(node, "ip", "addr") and time.monotonic() < deadline:
            time.sleep(0.1)
        state = {"node": snapshot(node, with_nft=True)}
        for i, pod in enumerate(pods):
            state[f"pod{i}"] = snapshot(pod, with_nft=False)
        state["store"] = {"files": store_listing(store)}
        return state
    finally:
        if not args.keep:
            for ns in [node] + pods:
                run("ip", "netns", "del", ns, check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", required=True, help="directory of our release binaries (bridge, host-local)")
    parser.add_argument("--floor", required=True, help="the bridge_add_floor binary")
    parser.add_argument("--keep", action="store_true", help="keep the namespaces (debugging)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("check_floor: needs root (network namespaces)")
    tmp = tempfile.mkdtemp(prefix=f"swcni-floor-{RUN}-")
    try:
        states = {"ours": side(args, "ours", add_ours, tmp), "floor": side(args, "floor", add_floor, tmp)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    differences = 0
    compared = 0
    for scope in states["ours"]:
        for label in states["ours"][scope]:
            texts = [states[who][scope][label].splitlines() for who in ("ours", "floor")]
            compared += 1
            if texts[0] != texts[1]:
                differences += 1
                print(f"== {scope}: {label} differs (ours -> floor)")
                for line in difflib.unified_diff(texts[0], texts[1], "ours", "floor", n=2, lineterm=""):
                    print(line)
    if differences:
        print(f"check_floor: {differences} of {compared} observations differ")
        return 1
    print(f"check_floor: ours and the floor agree on all {compared} observations "
          f"(node: links, bridge ports, VLANs, addresses, routes, sysctls, nftables; {len(PODS)} pods: links, addresses, routes, "
          "sysctls; store files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
