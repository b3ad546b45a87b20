"""The soak's node: one network namespace with two CNI networks, and a fake peer node.

    node ns  (cnictl and the plugins run here, through `ip netns exec`)
      eth0 192.168.77.11/24 ── veth ── peer ns: eth0 192.168.77.12/24 (node2, plugins never run)
      network <prefix>-bridge: bridge + host-local (10.98.0.0/16), ipMasq and macspoofchk, so
                               every pod has nftables rules of its own
      network <prefix>-vxlan:  bridge + host-local (node1's pod CIDR 10.244.1.0/24), then vxlan
                               chained (peers file: node1 itself and node2), dataPath auto

Everything lives under the run's work directory and in namespaces named with the run id.
"""
import json
import os
import subprocess

UNDERLAY_DEV = "eth0"
NODE_IP = "192.168.77.11"
PEER_IP = "192.168.77.12"


def sh(*args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


class Topology:
    def __init__(self, run_id, work):
        self.run_id = run_id
        self.work = work
        self.node_ns = "%s-node" % run_id
        self.peer_ns = "%s-peer" % run_id
        self.cache_dir = os.path.join(work, "cache")
        self.ipam_dir = os.path.join(work, "ipam")
        self.vtep = "vx%s" % run_id[-8:]
        self.networks = {}   # name -> settings for NodeState
        self.conflists = {}  # name -> path

    def create(self):
        os.makedirs(self.cache_dir, exist_ok=True)
        os.makedirs(self.ipam_dir, exist_ok=True)
        for ns in (self.node_ns, self.peer_ns):
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", self.node_ns, "link", "add", UNDERLAY_DEV, "type", "veth", "peer", "name", UNDERLAY_DEV, "netns", self.peer_ns)
        for ns, ip in ((self.node_ns, NODE_IP), (self.peer_ns, PEER_IP)):
            sh("ip", "-n", ns, "addr", "add", ip + "/24", "dev", UNDERLAY_DEV, "nodad")
            sh("ip", "-n", ns, "link", "set", UNDERLAY_DEV, "up")
        peers = os.path.join(self.work, "peers.json")
        with open(peers, "w") as f:
            json.dump({"nodes": [
                {"name": "node1", "underlayIP": NODE_IP, "podCIDRs": ["10.244.1.0/24"]},
                {"name": "node2", "underlayIP": PEER_IP, "podCIDRs": ["10.244.2.0/24"]},
            ]}, f, indent=1)
        bridge_net = "%s-bridge" % self.run_id
        vxlan_net = "%s-vxlan" % self.run_id
        self._write(bridge_net, [{
            "type": "bridge", "bridge": "skb%s" % self.run_id[-8:], "isGateway": True, "ipMasq": True,
            "macspoofchk": True,
            "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.98.0.0/16"}]], "dataDir": self.ipam_dir},
        }], kind="bridge")
        self._write(vxlan_net, [{
            "type": "bridge", "bridge": "skv%s" % self.run_id[-8:], "isGateway": True, "isDefaultGateway": True,
            "ipMasq": False,
            "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.1.0/24"}]], "dataDir": self.ipam_dir},
        }, {
            "type": "vxlan", "vni": 1, "port": 4789, "device": self.vtep, "nodeName": "node1",
            "clusterCIDRs": ["10.244.0.0/16"], "peersFile": peers, "dataPath": "auto", "ipMasq": True,
        }], kind="vxlan")

    def _write(self, name, plugins, kind):
        path = os.path.join(self.work, name + ".conflist")
        with open(path, "w") as f:
            json.dump({"cniVersion": "1.1.0", "name": name, "plugins": plugins}, f, indent=1)
        self.conflists[name] = path
        settings = {"bridge": plugins[0]["bridge"], "ipam_dir": os.path.join(self.ipam_dir, name), "kind": kind}
        if kind == "vxlan":
            settings["vtep"] = self.vtep
        self.networks[name] = settings

    def remove(self):
        for ns in (self.node_ns, self.peer_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
