#!/usr/bin/env python3
"""Benchmarks of swift-cni plugins against the Go reference plugins, in one run.

Every latency figure is the median wall time of one exec of the plugin binary, as a
runtime starts it (fork/exec, stdin config, stdout result), measured from Python. Ours and
the reference are run interleaved (ours, reference, ours, ...) so machine noise hits both
alike. The Python exec overhead is included on both sides and printed as a baseline.
"""
import argparse
import concurrent.futures
import ctypes
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

RUN_ID = uuid.uuid4().hex[:6]
TARGETS = []  # (label, value, target, comparison) for the summary
# The other side's name in the output: "reference" (the Go plugins), or "baseline" when
# --other-label baseline runs another build of ours there (bench.sh --baseline); the issue
# targets are ratios to the reference, so a baseline run evaluates none of them.
OTHER = "reference"


def side_name(who):
    """A side's key ("ours", "ref") as printed in per-run listings: "baseline" for "ref" in a
    baseline run."""
    return "baseline" if who == "ref" and OTHER != "reference" else who


def target_status(ok, text):
    """The PASS/MISS column of a figure with a target, empty in a baseline run."""
    return "" if OTHER != "reference" else f"{text}: {'PASS' if ok else 'MISS'}"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Netns:
    def __init__(self, label):
        self.name = f"swcni-bench-{RUN_ID}-{label}"
        sh("ip", "netns", "add", self.name)
        self.path = f"/run/netns/{self.name}"
        self._fd = None

    @property
    def fd(self):
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        return self._fd

    def run(self, *args, **kw):
        return subprocess.run(["ip", "netns", "exec", self.name, *args], **kw)

    def remove(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        subprocess.run(["ip", "netns", "del", self.name], stderr=subprocess.DEVNULL)


def make_netns_batch(names):
    """Creates many namespaces with one `ip -batch` (pods for the parallel benchmarks)."""
    subprocess.run(["ip", "-batch", "-"], input="".join(f"netns add {n}\n" for n in names).encode(), check=True)


def delete_netns_batch(names):
    subprocess.run(["ip", "-force", "-batch", "-"], input="".join(f"netns del {n}\n" for n in names).encode(),
                   stderr=subprocess.DEVNULL)


LIBC = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


ORIGINAL_NETNS_FD = os.open("/proc/self/ns/net", os.O_RDONLY)


def setns_thread(fd):
    """Moves the calling thread (only it: setns acts per thread) into the network namespace
    open at fd."""
    if LIBC.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


def exec_plugin(binary, command, config, container_id="bench", netns="/dev/null", ifname="eth0", path=None, check=True, node=None):
    env = {
        "CNI_COMMAND": command, "CNI_CONTAINERID": container_id, "CNI_NETNS": netns,
        "CNI_IFNAME": ifname, "CNI_PATH": path or os.path.dirname(binary), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
    }
    # The plugin runs in the node's namespace as it would on a node, without an extra
    # `ip netns exec` process: the calling thread enters it and the child inherits it. (A
    # preexec_fn would do the same in the child, but forces a full fork() of this large,
    # multi-threaded Python process on every exec instead of vfork: harness cost, not the
    # plugin's, that compressed every ratio and dominated the 64-way parallel runs.)
    if node is not None:
        setns_thread(node.fd)
    try:
        start = time.perf_counter()
        proc = subprocess.run([binary], input=config, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        elapsed = time.perf_counter() - start
    finally:
        if node is not None:
            setns_thread(ORIGINAL_NETNS_FD)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{binary} {command} failed ({proc.returncode}): {proc.stdout!r} {proc.stderr!r}")
    return elapsed, proc


def wait_until_no_veth(node, timeout, ignore=()):
    """Untimed: waits until the node namespace holds no veth any more. A plugin may finish
    deleting a pod's veth after DEL returned (ours does, in a detached process); that kernel
    work must not overlap the other side's timed execs."""
    deadline = time.monotonic() + timeout
    while True:
        out = subprocess.run(["ip", "-n", node.name, "-o", "link", "show", "type", "veth"], capture_output=True, text=True)
        lines = [line for line in out.stdout.splitlines() if line.split(":")[1].strip().split("@")[0] not in ignore]
        if not lines:
            return
        if time.monotonic() >= deadline:
            raise RuntimeError(f"veths still present in {node.name} after {timeout} s: {out.stdout[:300]!r}")
        time.sleep(0.005)


def wait_until_no_link(node, kind, timeout):
    """Untimed: waits until the node namespace holds no link of `kind`."""
    deadline = time.monotonic() + timeout
    while True:
        out = subprocess.run(["ip", "-n", node.name, "-o", "link", "show", "type", kind], capture_output=True, text=True)
        if not out.stdout.strip():
            return
        if time.monotonic() >= deadline:
            raise RuntimeError(f"{kind} links still present in {node.name} after {timeout} s: {out.stdout[:300]!r}")
        time.sleep(0.005)


def ms(seconds):
    return seconds * 1000.0


def row(label, ours, ref, target=None):
    ratio = ours / ref if ref else float("nan")
    status = ""
    if target is not None and OTHER == "reference":
        ok = ratio <= target
        status = f"target <= {target:.2f}x: {'PASS' if ok else 'MISS'}"
        TARGETS.append((label, ratio, target, ok))
    print(f"  {label:<44} ours {ms(ours):8.3f} ms   {OTHER:<9} {ms(ref):8.3f} ms   ratio {ratio:5.2f}x  {status}")


def baseline(runs):
    times = [exec_plugin("/bin/true", "VERSION", b"", check=False)[0] for _ in range(runs)]
    print(f"  exec overhead (/bin/true from Python, included in every figure): {ms(statistics.median(times)):.3f} ms")


def bench_loopback(args):
    print("\nloopback (cniVersion 1.0.0, a namespace per side)")
    ours_ns, ref_ns = Netns("lo-a"), Netns("lo-b")
    try:
        conf = json.dumps({"cniVersion": "1.0.0", "name": "bench-lo", "type": "loopback"}).encode()
        res = {k: [] for k in ("ours-add", "ref-add", "ours-del", "ref-del")}
        for i in range(args.runs):
            for who, binary, ns in (("ours", args.ours_bin("loopback"), ours_ns), ("ref", args.ref_bin("loopback"), ref_ns)):
                res[f"{who}-add"].append(exec_plugin(binary, "ADD", conf, netns=ns.path)[0])
                res[f"{who}-del"].append(exec_plugin(binary, "DEL", conf, netns=ns.path)[0])
        med = {k: statistics.median(v) for k, v in res.items()}
        row("loopback ADD median", med["ours-add"], med["ref-add"], target=0.5)
        row("loopback DEL median", med["ours-del"], med["ref-del"], target=0.5)
    finally:
        ours_ns.remove()
        ref_ns.remove()


def host_local_conf(data_dir, subnet="10.64.0.0/16", name="bench-hl"):
    return json.dumps({
        "cniVersion": "1.0.0", "name": name, "type": "host-local",
        "ipam": {"type": "host-local", "dataDir": data_dir, "ranges": [[{"subnet": subnet}]]},
    }).encode()


def bench_host_local(args):
    print("\nhost-local (cniVersion 1.0.0, separate dataDir per side)")
    tmp = tempfile.mkdtemp(prefix=f"swcni-bench-{RUN_ID}-")
    try:
        confs = {"ours": host_local_conf(f"{tmp}/ours"), "ref": host_local_conf(f"{tmp}/ref")}
        bins = {"ours": args.ours_bin("host-local"), "ref": args.ref_bin("host-local")}
        add = {"ours": [], "ref": []}
        dele = {"ours": [], "ref": []}
        for i in range(args.runs):
            for who in ("ours", "ref"):
                add[who].append(exec_plugin(bins[who], "ADD", confs[who], container_id=f"c{i}")[0])
        for i in range(args.runs):
            for who in ("ours", "ref"):
                dele[who].append(exec_plugin(bins[who], "DEL", confs[who], container_id=f"c{i}")[0])
        row("host-local ADD median (empty range)", statistics.median(add["ours"]), statistics.median(add["ref"]), target=0.5)
        row("host-local DEL median", statistics.median(dele["ours"]), statistics.median(dele["ref"]), target=0.5)

        # ADD with 1000 existing reservations vs none, each binary against its own store.
        print("\nhost-local ADD with 1000 existing reservations vs none")
        for who in ("ours", "ref"):
            store = f"{tmp}/{who}-fill"
            conf = host_local_conf(store, name="fill")
            for i in range(1000):
                exec_plugin(bins[who], "ADD", conf, container_id=f"fill{i}")
        empty = {"ours": [], "ref": []}
        full = {"ours": [], "ref": []}
        for i in range(args.runs):
            for who in ("ours", "ref"):
                e_conf = host_local_conf(f"{tmp}/{who}-empty", name="empty")
                t, _ = exec_plugin(bins[who], "ADD", e_conf, container_id=f"e{i}")
                empty[who].append(t)
                exec_plugin(bins[who], "DEL", e_conf, container_id=f"e{i}")
                f_conf = host_local_conf(f"{tmp}/{who}-fill", name="fill")
                t, _ = exec_plugin(bins[who], "ADD", f_conf, container_id=f"f{i}")
                full[who].append(t)
                exec_plugin(bins[who], "DEL", f_conf, container_id=f"f{i}")
        for who, label in (("ours", "ours"), ("ref", OTHER)):
            e, f = statistics.median(empty[who]), statistics.median(full[who])
            ratio = f / e
            status = ""
            if who == "ours" and OTHER == "reference":
                ok = ratio <= 1.2
                status = f"target <= 1.20x: {'PASS' if ok else 'MISS'}"
                TARGETS.append(("host-local ADD at 1000 vs 0 reservations", ratio, 1.2, ok))
            print(f"  {label:<10} ADD at 0: {ms(e):7.3f} ms   at 1000: {ms(f):7.3f} ms   ratio {ratio:5.2f}x  {status}")

        # 64-way parallel throughput.
        print(f"\nhost-local 64-way parallel ADD of {args.parallel_adds} containers")
        rates = {}
        for who in ("ours", "ref"):
            conf = host_local_conf(f"{tmp}/{who}-par", subnet="10.65.0.0/16", name="par")
            start = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
                procs = list(pool.map(lambda i: exec_plugin(bins[who], "ADD", conf, container_id=f"p{i}")[1],
                                      range(args.parallel_adds)))
            elapsed = time.perf_counter() - start
            addresses = [json.loads(p.stdout)["ips"][0]["address"] for p in procs]
            dupes = len(addresses) - len(set(addresses))
            rates[who] = args.parallel_adds / elapsed
            print(f"  {('ours' if who == 'ours' else OTHER):<10} {rates[who]:8.1f} ADD/s   ({elapsed:.2f} s, duplicates: {dupes})")
            if dupes:
                TARGETS.append((f"{who} parallel ADD duplicate addresses", dupes, 0, False))
        ratio = rates["ours"] / rates["ref"]
        print(f"  throughput ratio ours/{OTHER}: {ratio:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bridge_conf(bridge, data_dir, subnet, name="bench-br"):
    return json.dumps({
        "cniVersion": "1.0.0", "name": name, "type": "bridge", "bridge": bridge, "isGateway": True,
        "ipam": {"type": "host-local", "dataDir": data_dir, "ranges": [[{"subnet": subnet}]]},
    }).encode()


def iperf3(server_ns, client_ns, address, seconds, port=None):
    """TCP throughput (bits/s) from client_ns to an iperf3 server in server_ns (listening on
    5201; the client connects to `port` when given: a host port mapped to it)."""
    server = subprocess.Popen(["ip", "netns", "exec", server_ns.name, "iperf3", "-s", "-1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # iperf3 3.12 exits 0 with {"error": ...} and an empty "end" when it cannot connect
        # (the server not listening yet): retry on that too, not only on a non-zero exit.
        for _ in range(50):
            probe = client_ns.run("iperf3", "-c", address, *(["-p", str(port)] if port else []), "-t", str(seconds), "-J",
                                  capture_output=True)
            report = None
            try:
                report = json.loads(probe.stdout)
            except ValueError:
                pass
            if probe.returncode == 0 and report and "error" not in report and "sum_received" in report.get("end", {}):
                return report["end"]["sum_received"]["bits_per_second"]
            time.sleep(0.1)
        raise RuntimeError(f"iperf3 to {address} failed: {probe.stdout[-300:]!r}")
    finally:
        server.kill()
        server.wait()


class BridgeFloor:
    """The floor of the bridge + host-local ADD figure (bench/floor/bridge_add_floor.c): the
    same kernel requests and store files as our ADD from a small C program, without CNI
    parsing or Swift start-up. Its own node and pod namespaces and store; exec'd inside its
    node like the plugins, interleaved with them. DEL is cleanup, untimed."""

    def __init__(self, binary, tmp, bridge="swbrfloor", subnet="10.72.0.0/16"):
        self.binary, self.bridge, self.subnet, self.network = binary, bridge, subnet, "bench-br"
        self.store = f"{tmp}/floor"
        self.node, self.pod = Netns("br-node-floor"), Netns("br-pod-floor")
        self.times = []

    def argv(self, command, container_id, pod_path=None):
        return [self.binary, command, pod_path or self.pod.path, "eth0", self.bridge, self.subnet, self.store, self.network,
                container_id]

    def exec_in(self, command, container_id, pod_path=None):
        """(wall time, stdout) of one exec in the floor's node namespace."""
        setns_thread(self.node.fd)
        try:
            start = time.perf_counter()
            # An empty stdin pipe: the harness does for the floor what it does for the plugins.
            proc = subprocess.run(self.argv(command, container_id, pod_path), input=b"",
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            elapsed = time.perf_counter() - start
        finally:
            setns_thread(ORIGINAL_NETNS_FD)
        if proc.returncode != 0:
            raise RuntimeError(f"floor {command} failed ({proc.returncode}): {proc.stdout!r} {proc.stderr!r}")
        return elapsed, proc.stdout.decode()

    def exec(self, command, container_id):
        return self.exec_in(command, container_id)[0]

    def add(self, container_id):
        self.times.append(self.exec("add", container_id))

    def delete(self, container_id):
        self.exec("del", container_id)
        wait_until_no_veth(self.node, 5)

    def print_add_row(self, ours, ref):
        floor = statistics.median(self.times)
        print(f"  {'  floor (same kernel work in C), median':<44} floor {ms(floor):7.3f} ms   "
              f"ours/floor {ours / floor:5.2f}x   reference/floor {ref / floor:5.2f}x")

    def parallel_add_rate(self, count, tmp):
        """ADD/s of `count` pods, each in its own namespace, 64 at a time, on a bridge of its own
        (as the plugins' parallel figure); DEL and namespaces afterwards, untimed."""
        names = [f"swcni-bench-{RUN_ID}-floor-p{i}" for i in range(count)]
        make_netns_batch(names)
        saved = (self.store, self.bridge, self.network)
        self.store, self.bridge, self.network = f"{tmp}/floor-par", "swbpfloor", "bench-par"
        try:
            start = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
                addresses = [out.split()[0] for out in pool.map(lambda n: self.exec_in("add", n[-12:].replace("-", "x"),
                                                                                       f"/run/netns/{n}")[1], names)]
            elapsed = time.perf_counter() - start
            dupes = len(addresses) - len(set(addresses))
            with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
                list(pool.map(lambda n: self.exec_in("del", n[-12:].replace("-", "x"), f"/run/netns/{n}"), names))
            wait_until_no_veth(self.node, 120)
        finally:
            delete_netns_batch(names)
            self.store, self.bridge, self.network = saved
        print(f"  {'floor':<10} {count / elapsed:8.1f} ADD/s   ({elapsed:.2f} s, duplicate addresses: {dupes})")
        return count / elapsed

    def remove(self):
        self.node.remove()
        self.pod.remove()


def callgrind_instructions(argv, node, stdin=None, env=None):
    """Instructions executed in user space by one exec (all threads; with the children it
    execs: the reference's host-local), from callgrind: stable on a busy machine where wall
    clock is not. Kernel work is not counted."""
    setns_thread(node.fd)
    try:
        proc = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes", "--callgrind-out-file=/dev/null",
                               *argv], input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    finally:
        setns_thread(ORIGINAL_NETNS_FD)
    counts = [int(c.replace(",", "")) for c in
              re.findall(r"==\d+== Collected : ([\d,]+)", proc.stderr.decode(errors="replace"))]
    if proc.returncode != 0 or not counts:
        lines = [l for l in proc.stderr.decode(errors="replace").splitlines() if l.strip() and not l.startswith("==")]
        raise RuntimeError(f"callgrind of {argv[0]} failed (exit {proc.returncode}): {lines[0] if lines else 'no count'}")
    return sum(counts)


def bench_bridge_callgrind(args):
    """One steady-state bridge + host-local ADD (bridge, gateway and rules in place) of ours,
    the reference and the floor under callgrind. Ours runs from copies without DWARF
    (`strip --strip-debug`): Debian 12's valgrind cannot read the Swift toolchain's DWARF 5."""
    print("\nbridge + host-local ADD, instructions in user space (valgrind --tool=callgrind, one steady-state ADD per side)")
    if shutil.which("valgrind") is None or shutil.which("strip") is None:
        print("  skipped: valgrind or strip not installed")
        return
    tmp = tempfile.mkdtemp(prefix=f"swcni-bench-{RUN_ID}-")
    spaces = []
    try:
        stripped = f"{tmp}/ours-bin"
        os.mkdir(stripped)
        for name in ("bridge", "host-local"):  # together: ours runs its sibling host-local in-process
            sh("strip", "--strip-debug", "-o", f"{stripped}/{name}", args.ours_bin(name))
        counts = {}
        for who, binary, subnet in (("ours", f"{stripped}/bridge", "10.73.0.0/16"),
                                    ("ref", args.ref_bin("bridge"), "10.74.0.0/16")):
            node, pod = Netns(f"cg-node-{who}"), Netns(f"cg-pod-{who}")
            spaces += [node, pod]
            conf = bridge_conf(f"swcg{who}", f"{tmp}/{who}", subnet)
            path = os.path.dirname(binary)
            exec_plugin(binary, "ADD", conf, container_id="warm", netns=pod.path, path=path, node=node)
            exec_plugin(binary, "DEL", conf, container_id="warm", netns=pod.path, path=path, node=node)
            wait_until_no_veth(node, 5)
            env = {"CNI_COMMAND": "ADD", "CNI_CONTAINERID": "cg", "CNI_NETNS": pod.path, "CNI_IFNAME": "eth0",
                   "CNI_PATH": path, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
            try:
                counts[who] = callgrind_instructions([binary], node, stdin=conf, env=env)
            except RuntimeError as error:
                log(f"cnibench: {error}")
        floor = BridgeFloor(args.floor, tmp, bridge="swcgfloor", subnet="10.75.0.0/16")
        spaces += [floor.node, floor.pod]
        floor.add("warm")
        floor.delete("warm")
        counts["floor"] = callgrind_instructions(floor.argv("add", "cg"), floor.node)

        def figure(who, label):
            if who not in counts:
                return f"{label} n/a (valgrind failed)"
            return f"{label} {counts[who] / 1e6:8.2f} M  {label}/floor {counts[who] / counts['floor']:6.1f}x"
        print(f"  floor {counts['floor'] / 1e6:6.2f} M instructions   {figure('ours', 'ours')}   {figure('ref', 'reference')}")
    finally:
        for ns in spaces:
            ns.remove()
        shutil.rmtree(tmp, ignore_errors=True)


def child_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_bridge_cpu(args, runs=30):
    """CPU time (user + system, from the rusage of waited-for children: the reference's
    host-local included) of steady-state bridge + host-local ADDs of ours, the reference and
    the floor, interleaved: unlike wall time it does not count waiting for a busy CPU; unlike
    callgrind it counts the kernel's work."""
    print(f"\nbridge + host-local ADD, CPU time user + system (rusage of the exec'd process and its children; {runs} interleaved ADDs per side)")
    tmp = tempfile.mkdtemp(prefix=f"swcni-bench-{RUN_ID}-")
    spaces = []
    try:
        sides = {}
        for who, binary, subnet in (("ours", args.ours_bin("bridge"), "10.76.0.0/16"),
                                    ("ref", args.ref_bin("bridge"), "10.77.0.0/16")):
            node, pod = Netns(f"cpu-node-{who}"), Netns(f"cpu-pod-{who}")
            spaces += [node, pod]
            sides[who] = (binary, node, pod, bridge_conf(f"swcpu{who}", f"{tmp}/{who}", subnet))
        floor = BridgeFloor(args.floor, tmp, bridge="swcpufloor", subnet="10.78.0.0/16")
        spaces += [floor.node, floor.pod]
        cpu = {"ours": [], "ref": [], "floor": []}
        for i in range(runs + 1):  # the first ADD creates bridge and rules: not counted
            for who, (binary, node, pod, conf) in sides.items():
                before = child_cpu_seconds()
                exec_plugin(binary, "ADD", conf, container_id=f"c{i}", netns=pod.path, path=os.path.dirname(binary), node=node)
                if i:
                    cpu[who].append(child_cpu_seconds() - before)
            before = child_cpu_seconds()
            floor.exec("add", f"c{i}")
            if i:
                cpu["floor"].append(child_cpu_seconds() - before)
            for who, (binary, node, pod, conf) in sides.items():
                exec_plugin(binary, "DEL", conf, container_id=f"c{i}", netns=pod.path, path=os.path.dirname(binary), node=node)
                wait_until_no_veth(node, 5)
            floor.delete(f"c{i}")
        med = {who: statistics.median(v) for who, v in cpu.items()}
        print(f"  ours {ms(med['ours']):7.3f} ms   reference {ms(med['ref']):7.3f} ms   floor {ms(med['floor']):7.3f} ms"
              f"   ours/floor {med['ours'] / med['floor']:5.2f}x   reference/floor {med['ref'] / med['floor']:5.2f}x"
              f"   ours/reference {med['ours'] / med['ref']:5.2f}x")
    finally:
        for ns in spaces:
            ns.remove()
        shutil.rmtree(tmp, ignore_errors=True)


def bench_bridge(args):
    print("\nbridge + host-local (cniVersion 1.0.0, a node namespace per side, plugins exec'd inside it)")
    tmp = tempfile.mkdtemp(prefix=f"swcni-bench-{RUN_ID}-")
    sides = {
        "ours": {"bin": args.ours_bin("bridge"), "path": args.ours, "subnet": "10.66.0.0/16"},
        "ref": {"bin": args.ref_bin("bridge"), "path": args.reference, "subnet": "10.67.0.0/16"},
    }
    nodes = {who: Netns(f"br-node-{who}") for who in sides}
    pods = []
    floor = BridgeFloor(args.floor, tmp) if args.floor else None
    try:
        for who, side in sides.items():
            side["conf"] = bridge_conf(f"swbr{who}", f"{tmp}/{who}", side["subnet"])
            side["pod"] = Netns(f"br-pod-{who}")
            pods.append(side["pod"])
        add = {w: [] for w in sides}
        dele = {w: [] for w in sides}
        for i in range(args.runs):
            for who, side in sides.items():
                t, _ = exec_plugin(side["bin"], "ADD", side["conf"], container_id=f"c{i}", netns=side["pod"].path,
                                   path=side["path"], node=nodes[who])
                add[who].append(t)
            if floor:
                floor.add(f"c{i}")
            for who, side in sides.items():
                t, _ = exec_plugin(side["bin"], "DEL", side["conf"], container_id=f"c{i}", netns=side["pod"].path,
                                   path=side["path"], node=nodes[who])
                dele[who].append(t)
                wait_until_no_veth(nodes[who], 5)
            if floor:
                floor.delete(f"c{i}")
        row("bridge+host-local ADD median", statistics.median(add["ours"]), statistics.median(add["ref"]), target=0.4)
        if floor:
            floor.print_add_row(statistics.median(add["ours"]), statistics.median(add["ref"]))
        row("bridge+host-local DEL median", statistics.median(dele["ours"]), statistics.median(dele["ref"]), target=0.3)

        # 64-way parallel ADD of N pods, each in its own namespace.
        count = args.bridge_pods
        print(f"\nbridge + host-local 64-way parallel ADD of {count} pods")
        rates = {}
        for who, side in sides.items():
            names = [f"swcni-bench-{RUN_ID}-{who}-p{i}" for i in range(count)]
            make_netns_batch(names)
            try:
                conf = bridge_conf(f"swbp{who}", f"{tmp}/{who}-par", side["subnet"], name="bench-par")
                start = time.perf_counter()
                with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
                    procs = list(pool.map(
                        lambda n: exec_plugin(side["bin"], "ADD", conf, container_id=n[-12:].replace("-", "x"),
                                              netns=f"/run/netns/{n}", path=side["path"], node=nodes[who])[1],
                        names))
                elapsed = time.perf_counter() - start
                addresses = [json.loads(p.stdout)["ips"][0]["address"] for p in procs]
                dupes = len(addresses) - len(set(addresses))
                rates[who] = count / elapsed
                print(f"  {('ours' if who == 'ours' else OTHER):<10} {rates[who]:8.1f} ADD/s   ({elapsed:.2f} s, duplicate addresses: {dupes})")
                if dupes:
                    TARGETS.append((f"bridge {who} parallel ADD duplicate addresses", dupes, 0, False))
                with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
                    list(pool.map(
                        lambda n: exec_plugin(side["bin"], "DEL", conf, container_id=n[-12:].replace("-", "x"),
                                              netns=f"/run/netns/{n}", path=side["path"], node=nodes[who]),
                        names))
                wait_until_no_veth(nodes[who], 120)
            finally:
                delete_netns_batch(names)
        if floor:
            rates["floor"] = floor.parallel_add_rate(count, tmp)
        ratio = rates["ours"] / rates["ref"]
        ok = ratio >= 2.0
        if OTHER == "reference":
            TARGETS.append(("bridge 64-way parallel ADD throughput ours/reference", ratio, ">= 2.0", ok))
        print(f"  throughput ratio ours/{OTHER}: {ratio:.2f}x  {target_status(ok, 'target >= 2.00x')}")
        if floor:
            print(f"  throughput ratio ours/floor: {rates['ours'] / rates['floor']:.2f}x   {OTHER}/floor: {rates['ref'] / rates['floor']:.2f}x")

        # Same-node pod-to-pod TCP throughput through each side's bridge.
        print(f"\nsame-node pod-to-pod iperf3 TCP throughput ({args.iperf_seconds} s per run, 5 runs per side, interleaved, order reversed every other round)")
        pairs = {}
        for who, side in sides.items():
            a, b = Netns(f"ip-{who}-a"), Netns(f"ip-{who}-b")
            pods.extend([a, b])
            conf = bridge_conf(f"swbi{who}", f"{tmp}/{who}-iperf", side["subnet"], name="bench-iperf")
            res_a = exec_plugin(side["bin"], "ADD", conf, container_id="ipa", netns=a.path, path=side["path"], node=nodes[who])[1]
            exec_plugin(side["bin"], "ADD", conf, container_id="ipb", netns=b.path, path=side["path"], node=nodes[who])
            pairs[who] = (a, b, json.loads(res_a.stdout)["ips"][0]["address"].split("/")[0])
        results = {w: [] for w in sides}
        for round_index in range(5):
            # ABBA order: whichever side runs second in a round does not always profit (or
            # suffer) from what the first left behind (caches, CPU frequency, softirq backlog).
            order = list(sides) if round_index % 2 == 0 else list(reversed(list(sides)))
            for who in order:
                a, b, address = pairs[who]
                results[who].append(iperf3(a, b, address, args.iperf_seconds))
        med = {w: statistics.median(v) for w, v in results.items()}
        ratio = med["ours"] / med["ref"]
        ok = ratio >= 0.95
        if OTHER == "reference":
            TARGETS.append(("same-node pod-to-pod TCP throughput ours/reference", ratio, ">= 0.95", ok))
        print("  runs (Gbit/s): " + "; ".join(f"{side_name(w)}: " + " ".join(f"{v / 1e9:.2f}" for v in results[w]) for w in sides))
        print(f"  ours {med['ours'] / 1e9:7.2f} Gbit/s   {OTHER} {med['ref'] / 1e9:7.2f} Gbit/s   ratio {ratio:5.2f}x  {target_status(ok, 'target >= 0.95x')}")
    finally:
        for p in pods:
            p.remove()
        for n in nodes.values():
            n.remove()
        if floor:
            floor.remove()
        shutil.rmtree(tmp, ignore_errors=True)
    if args.floor:
        bench_bridge_cpu(args)
        bench_bridge_callgrind(args)


def tuning_conf(data_dir, version="1.0.0"):
    """Every link option and one interface sysctl, chained after an interface named eth0."""
    return json.dumps({
        "cniVersion": version, "name": "bench-tuning", "type": "tuning", "dataDir": data_dir,
        "mtu": 1400, "promisc": True, "allmulti": True, "mac": "c2:11:22:33:44:55",
        "sysctl": {"net.ipv4.conf.IFNAME.arp_notify": "1"},
        "prevResult": {"cniVersion": version, "interfaces": [{"name": "eth0", "mac": "02:00:00:00:00:01"}], "ips": []},
    }).encode()


def bench_tuning(args):
    print("\ntuning (cniVersion 1.0.0; MTU, MAC, promisc, allmulti and one sysctl on a veth in a pod namespace per side)")
    tmp = tempfile.mkdtemp(prefix=f"swcni-bench-{RUN_ID}-")
    pods = {who: Netns(f"tun-{who}") for who in ("ours", "ref")}
    try:
        for pod in pods.values():
            sh("ip", "-n", pod.name, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0")
        bins = {"ours": args.ours_bin("tuning"), "ref": args.ref_bin("tuning")}
        confs = {who: tuning_conf(f"{tmp}/{who}") for who in pods}
        add = {w: [] for w in pods}
        dele = {w: [] for w in pods}
        for i in range(args.runs):
            for who in pods:
                add[who].append(exec_plugin(bins[who], "ADD", confs[who], container_id=f"c{i}", netns=pods[who].path)[0])
            for who in pods:
                dele[who].append(exec_plugin(bins[who], "DEL", confs[who], container_id=f"c{i}", netns=pods[who].path)[0])
        row("tuning ADD median", statistics.median(add["ours"]), statistics.median(add["ref"]))
        row("tuning DEL median", statistics.median(dele["ours"]), statistics.median(dele["ref"]))
    finally:
        for pod in pods.values():
            pod.remove()
        shutil.rmtree(tmp, ignore_errors=True)


def node_with_pod(tag, who, spaces):
    """A node namespace and a pod namespace joined by a veth (host end `veth<tag><who>`,
    pod end eth0), both ends up; the namespaces are appended to `spaces` for removal."""
    node, pod = Netns(f"{tag}-node-{who}"), Netns(f"{tag}-pod-{who}")
    spaces += [node, pod]
    host_veth = f"veth{tag}{who}"
    sh("ip", "-n", node.name, "link", "add", host_veth, "type", "veth", "peer", "name", "eth0", "netns", pod.name)
    sh("ip", "-n", node.name, "link", "set", host_veth, "up")
    sh("ip", "-n", pod.name, "link", "set", "eth0", "up")
    return node, pod, host_veth


def interleaved_add_del(args, sides, after_del=None):
    """ADD then DEL of container c<i> on each side in turn, args.runs times, exec'd in the
    side's node namespace; `after_del(side)` runs untimed after each DEL. Returns the
    (add, del) timings per side."""
    add = {w: [] for w in sides}
    dele = {w: [] for w in sides}
    for i in range(args.runs):
        for who, side in sides.items():
            add[who].append(exec_plugin(side["bin"], "ADD", side["conf"], container_id=f"c{i}", netns=side["pod"].path,
                                        node=side["node"])[0])
        for who, side in sides.items():
            dele[who].append(exec_plugin(side["bin"], "DEL", side["conf"], container_id=f"c{i}", netns=side["pod"].path,
                                         node=side["node"])[0])
            if after_del:
                after_del(side)
    return add, dele


def bench_bandwidth(args):
    print("\nbandwidth (cniVersion 1.0.0; ingress and egress limits: tbf on the host veth, IFB with tbf;"
          " a node and a pod namespace per side, plugins exec'd inside the node)")
    sides = {}
    spaces = []
    try:
        for who in ("ours", "ref"):
            node, pod, host_veth = node_with_pod("bw", who, spaces)
            conf = json.dumps({
                "cniVersion": "1.0.0", "name": "bench-bw", "type": "bandwidth",
                "ingressRate": 50_000_000, "ingressBurst": 1_000_000, "egressRate": 50_000_000, "egressBurst": 1_000_000,
                "prevResult": {"cniVersion": "1.0.0", "interfaces": [{"name": host_veth}, {"name": "eth0", "sandbox": pod.path}],
                               "ips": []},
            }).encode()
            sides[who] = {"node": node, "pod": pod, "conf": conf, "veth": host_veth,
                          "bin": args.ours_bin("bandwidth") if who == "ours" else args.ref_bin("bandwidth")}
        def settle(side):
            # Untimed: ours deletes the IFB in a background process after DEL returned; that
            # kernel work must not overlap the other side's timed execs.
            wait_until_no_link(side["node"], "ifb", 5)
            # Untimed: the reference's DEL deletes only the IFB and leaves the tbf and ingress
            # qdiscs on the host veth (ours removes them); the next ADD needs them gone.
            for parent in ("root", "ingress"):
                subprocess.run(["tc", "-n", side["node"].name, "qdisc", "del", "dev", side["veth"], parent],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        add, dele = interleaved_add_del(args, sides, after_del=settle)
        row("bandwidth ADD median", statistics.median(add["ours"]), statistics.median(add["ref"]))
        row("bandwidth DEL median", statistics.median(dele["ours"]), statistics.median(dele["ref"]))
    finally:
        for ns in spaces:
            ns.remove()


def firewall_conf(pod_path, host_veth, version="1.0.0"):
    """The firewall plugin after a bridge-like result: a host veth and the pod's eth0 with
    an IPv4 and an IPv6 address; its default backend on each side (ours nftables, the
    reference iptables, since firewalld is not running)."""
    return json.dumps({
        "cniVersion": version, "name": "bench-fw", "type": "firewall",
        "prevResult": {"cniVersion": version,
                       "interfaces": [{"name": host_veth}, {"name": "eth0", "sandbox": pod_path}],
                       "ips": [{"interface": 1, "address": "10.70.0.5/24", "gateway": "10.70.0.1"},
                               {"interface": 1, "address": "fd70::5/64", "gateway": "fd70::1"}]},
    }).encode()


def bench_firewall(args):
    print("\nfirewall (cniVersion 1.0.0; per-container accepts for one IPv4 and one IPv6 address, default"
          " ingressPolicy; ours: nftables, reference: iptables (firewalld absent); plugins exec'd in a node namespace per side)")
    sides = {}
    spaces = []
    try:
        for who in ("ours", "ref"):
            node, pod, host_veth = node_with_pod("fw", who, spaces)
            sides[who] = {"node": node, "pod": pod, "conf": firewall_conf(pod.path, host_veth),
                          "bin": args.ours_bin("firewall") if who == "ours" else args.ref_bin("firewall")}
        add, dele = interleaved_add_del(args, sides)
        row("firewall ADD median", statistics.median(add["ours"]), statistics.median(add["ref"]))
        row("firewall DEL median", statistics.median(dele["ours"]), statistics.median(dele["ref"]))
    finally:
        for ns in spaces:
            ns.remove()


PORTMAP_ACCEPT_SERVER = """
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(512)
while True:
    c, _ = s.accept(); c.close()
"""

PORTMAP_CONNECT_CLIENT = """
import socket, sys, time
end = time.time() + float(sys.argv[3]); n = 0
while time.time() < end:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00")
    c.close(); n += 1
print(n / float(sys.argv[3]))
"""


def portmap_conf(name, prev_result, mappings):
    return json.dumps({
        "cniVersion": "1.0.0", "name": name, "type": "portmap",
        "runtimeConfig": {"portMappings": mappings}, "prevResult": prev_result,
    }).encode()


def bench_portmap(args):
    print("\nbridge + host-local + portmap chain (cniVersion 1.0.0, a node namespace per side; reference portmap: its default iptables backend)")
    tmp = tempfile.mkdtemp(prefix=f"swcni-bench-{RUN_ID}-")
    sides = {
        "ours": {"dir": args.ours, "subnet": "10.68.0.0/16", "uplink": "192.168.81"},
        "ref": {"dir": args.reference, "subnet": "10.69.0.0/16", "uplink": "192.168.82"},
    }
    mappings = [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"},
                {"hostPort": 8053, "containerPort": 53, "protocol": "udp"}]
    spaces = []
    try:
        for who, side in sides.items():
            side["node"] = Netns(f"pm-node-{who}")
            side["pod"] = Netns(f"pm-pod-{who}")
            side["client"] = Netns(f"pm-cl-{who}")
            spaces += [side["node"], side["pod"], side["client"]]
            node, client, up = side["node"].name, side["client"].name, side["uplink"]
            sh("ip", "-n", node, "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", client)
            sh("ip", "-n", node, "addr", "add", f"{up}.1/24", "dev", "up0")
            sh("ip", "-n", node, "link", "set", "up0", "up")
            sh("ip", "-n", node, "link", "set", "lo", "up")
            sh("ip", "-n", client, "addr", "add", f"{up}.2/24", "dev", "eth0")
            sh("ip", "-n", client, "link", "set", "eth0", "up")
            sh("ip", "netns", "exec", node, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            side["bridge"] = json.dumps({
                "cniVersion": "1.0.0", "name": f"bench-pm-{who}", "type": "bridge", "bridge": f"swpm{who}",
                "isGateway": True, "isDefaultGateway": True,
                "ipam": {"type": "host-local", "dataDir": f"{tmp}/{who}", "ranges": [[{"subnet": side["subnet"]}]]},
            }).encode()

        def chain(who, command, cid, netns):
            side = sides[who]
            bridge, portmap = os.path.join(side["dir"], "bridge"), os.path.join(side["dir"], "portmap")
            if command == "ADD":
                t1, out = exec_plugin(bridge, "ADD", side["bridge"], container_id=cid, netns=netns, path=side["dir"], node=side["node"])
                prev = json.loads(out.stdout)
                side["prev"] = prev
                t2, _ = exec_plugin(portmap, "ADD", portmap_conf(f"bench-pm-{who}", prev, mappings), container_id=cid,
                                    netns=netns, path=side["dir"], node=side["node"])
                return t1 + t2, t2
            conf = portmap_conf(f"bench-pm-{who}", side["prev"], mappings)
            t2, _ = exec_plugin(portmap, "DEL", conf, container_id=cid, netns=netns, path=side["dir"], node=side["node"])
            t1, _ = exec_plugin(bridge, "DEL", side["bridge"], container_id=cid, netns=netns, path=side["dir"], node=side["node"])
            return t1 + t2, t2

        add = {w: [] for w in sides}
        dele = {w: [] for w in sides}
        add_pm = {w: [] for w in sides}
        del_pm = {w: [] for w in sides}
        runs = max(1, args.runs // 2)
        for i in range(runs):
            # The order alternates every round: the side that goes first right after the
            # other's ADD pays for the kernel's pending work (veth set-up, unregister).
            order = list(sides.items()) if i % 2 == 0 else list(reversed(sides.items()))
            for who, side in order:
                total, pm = chain(who, "ADD", f"c{i}", side["pod"].path)
                add[who].append(total)
                add_pm[who].append(pm)
            for who, side in order:
                total, pm = chain(who, "DEL", f"c{i}", side["pod"].path)
                dele[who].append(total)
                del_pm[who].append(pm)
                wait_until_no_veth(side["node"], 5, ignore=("up0",))
        med = statistics.median
        row("bridge+host-local+portmap ADD median", med(add["ours"]), med(add["ref"]), target=0.5)
        row("bridge+host-local+portmap DEL median", med(dele["ours"]), med(dele["ref"]), target=0.5)
        row("  portmap ADD alone, median", med(add_pm["ours"]), med(add_pm["ref"]))
        row("  portmap DEL alone, median", med(del_pm["ours"]), med(del_pm["ref"]))

        # Traffic through the DNAT: client namespace -> node uplink address:hostPort -> pod.
        servers = []
        for who, side in sides.items():
            chain(who, "ADD", "traffic", side["pod"].path)
            side["target"] = f"{side['uplink']}.1"
            servers.append(subprocess.Popen(["ip", "netns", "exec", side["pod"].name, "python3", "-c", PORTMAP_ACCEPT_SERVER, "80"],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        mappings_tp = mappings
        try:
            time.sleep(0.5)
            print(f"\nhostPort DNAT iperf3 TCP throughput, client namespace -> node:hostPort -> pod ({args.iperf_seconds} s per run, 7 runs per side, ABBA order)")
            # iperf3 listens on 5201 in the pod; map host port 8201 to it (a second portmap ADD
            # of another attachment id would be a different pod: re-ADD the same one with both).
            for who, side in sides.items():
                conf = portmap_conf(f"bench-pm-{who}", side["prev"], mappings_tp + [{"hostPort": 8201, "containerPort": 5201, "protocol": "tcp"}])
                exec_plugin(os.path.join(side["dir"], "portmap"), "ADD", conf, container_id="traffic", netns=side["pod"].path,
                            path=side["dir"], node=side["node"])
            results = {w: [] for w in sides}
            for round_index in range(7):
                order = list(sides) if round_index % 2 == 0 else list(reversed(list(sides)))
                for who in order:
                    side = sides[who]
                    results[who].append(iperf3(side["pod"], side["client"], side["target"], args.iperf_seconds, port=8201))
            m = {w: med(v) for w, v in results.items()}
            ratio = m["ours"] / m["ref"]
            ok = ratio >= 0.95
            if OTHER == "reference":
                TARGETS.append(("hostPort DNAT TCP throughput ours/reference", ratio, ">= 0.95", ok))
            print("  runs (Gbit/s): " + "; ".join(f"{side_name(w)}: " + " ".join(f"{v / 1e9:.2f}" for v in results[w]) for w in sides))
            print(f"  ours {m['ours'] / 1e9:7.2f} Gbit/s   {OTHER} {m['ref'] / 1e9:7.2f} Gbit/s   ratio {ratio:5.2f}x  {target_status(ok, 'target >= 0.95x')}")

            print("\nhostPort DNAT TCP connection rate (one Python client, connect + close with RST, 3 s per run, 7 runs per side, ABBA)")
            rates = {w: [] for w in sides}
            for round_index in range(7):
                order = list(sides) if round_index % 2 == 0 else list(reversed(list(sides)))
                for who in order:
                    side = sides[who]
                    out = side["client"].run("python3", "-c", PORTMAP_CONNECT_CLIENT, side["target"], "8080", "3",
                                             capture_output=True, text=True, check=True)
                    rates[who].append(float(out.stdout.strip()))
            m = {w: med(v) for w, v in rates.items()}
            ratio = m["ours"] / m["ref"]
            ok = ratio >= 0.95
            if OTHER == "reference":
                TARGETS.append(("hostPort DNAT TCP connection rate ours/reference", ratio, ">= 0.95", ok))
            print("  runs (conn/s): " + "; ".join(f"{side_name(w)}: " + " ".join(f"{v:.0f}" for v in rates[w]) for w in sides))
            print(f"  ours {m['ours']:8.0f} conn/s   {OTHER} {m['ref']:8.0f} conn/s   ratio {ratio:5.2f}x  {target_status(ok, 'target >= 0.95x')}")
        finally:
            for server in servers:
                server.kill()
                server.wait()
            for who in sides:
                chain(who, "DEL", "traffic", sides[who]["pod"].path)
    finally:
        for space in spaces:
            space.remove()
        shutil.rmtree(tmp, ignore_errors=True)


SECTIONS = {"loopback": bench_loopback, "host-local": bench_host_local, "bridge": bench_bridge,
            "tuning": bench_tuning, "bandwidth": bench_bandwidth, "portmap": bench_portmap,
            "firewall": bench_firewall}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ours", required=True, help="directory of our release binaries")
    parser.add_argument("--reference", required=True, help="directory of the Go reference plugins")
    parser.add_argument("--runs", type=int, default=200, help="execs per latency figure (default 200)")
    parser.add_argument("--parallel-adds", type=int, default=512)
    parser.add_argument("--bridge-pods", type=int, default=500, help="pods in the parallel bridge ADD (default 500)")
    parser.add_argument("--iperf-seconds", type=int, default=5)
    parser.add_argument("--floor", default=None,
                        help="bench/floor's bridge_add_floor binary: a floor column next to the bridge ADD figure")
    parser.add_argument("--only", default="", help="comma-separated sections: " + ",".join(SECTIONS))
    parser.add_argument("--other-label", default="reference", choices=("reference", "baseline"),
                        help="what --reference holds: the Go reference plugins, or another build of ours"
                             " (then no issue target is evaluated; ratios are ours/baseline)")
    args = parser.parse_args()
    global OTHER
    OTHER = args.other_label
    args.ours_bin = lambda name: os.path.join(args.ours, name)
    args.ref_bin = lambda name: os.path.join(args.reference, name)
    if os.geteuid() != 0:
        sys.exit("cnibench: needs root (network namespaces)")
    chosen = [s for s in args.only.split(",") if s] or list(SECTIONS)
    print(f"swift-cni benchmarks ({time.strftime('%Y-%m-%d %H:%M:%S')}, {os.cpu_count()} CPUs, runs={args.runs})")
    if OTHER != "reference":
        print(f"  ours: {args.ours}\n  {OTHER}: {args.reference} (every figure below: ours vs {OTHER}, same run, interleaved; ratio ours/{OTHER})")
    baseline(50)
    for name in chosen:
        SECTIONS[name](args)
    if TARGETS:
        print("\nsummary")
        for label, value, target, ok in TARGETS:
            target_text = target if isinstance(target, str) else f"<= {target}"
            print(f"  {'PASS' if ok else 'MISS'}  {label}: {value:.2f} (target {target_text})")


if __name__ == "__main__":
    main()
