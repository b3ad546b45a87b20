#!/usr/bin/env python3
"""Churn soak (a benchmark, not a test): concurrent workers ADD and DEL pods on one node
namespace through `cnictl`, a random share of ADDs killed mid-way (SIGKILL to the whole
process group, then DEL as a runtime does), per-minute latency percentiles and node counts,
duplicate checks at every sample, leak checks after GC and after the final DEL.

Run through scripts/soak.sh (which copies the binaries and cleans up namespaces left by a
crash); see docs/soak.md.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nodestate import NodeState, sample  # noqa: E402
from topology import Topology, UNDERLAY_DEV  # noqa: E402
import report  # noqa: E402


class Pod:
    __slots__ = ("network", "cid", "ns", "ip")

    def __init__(self, network, cid, ns):
        self.network = network
        self.cid = cid
        self.ns = ns
        self.ip = None


class Soak:
    def __init__(self, args, topo):
        self.args = args
        self.topo = topo
        self.lock = threading.Condition()
        self.paused = False
        self.active = 0
        self.stop = threading.Event()
        self.live = {}        # cid -> Pod: fully added, not being deleted
        self.events = []      # (t_end, network, op, seconds, outcome)
        self.errors = []      # first lines of unexpected failures
        self.counter = 0
        self.recent_add = {}   # network -> recent successful ADD latencies (for kill delays)
        self.t0 = None

    # -- running cnictl in the node --------------------------------------------------------
    def cnictl(self, verb, pod, kill_after=None):
        """(seconds, outcome, stdout): outcome 'ok', 'killed' or 'failed: ...'."""
        cmd = ["ip", "netns", "exec", self.topo.node_ns, os.path.join(self.args.bin_dir, "cnictl"), verb,
               pod.network, "/run/netns/" + pod.ns, "--conf", self.topo.conflists[pod.network],
               "--bin-dir", self.args.bin_dir, "--cache-dir", self.topo.cache_dir, "--container-id", pod.cid]
        start = time.monotonic()
        # Its own session and process group: a kill reaches cnictl and the plugins it runs.
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        if kill_after is not None:
            try:
                out, err = p.communicate(timeout=kill_after)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.communicate()
                return time.monotonic() - start, "killed", b""
            if p.returncode == 0:
                self.record(pod.network, "kill-missed", 0, "ok")
        else:
            out, err = p.communicate()
        seconds = time.monotonic() - start
        if p.returncode != 0:
            return seconds, "failed: rc=%d %s %s" % (p.returncode, out.decode(errors="replace").strip()[:300],
                                                   err.decode(errors="replace").strip()[:300]), out
        return seconds, "ok", out

    def record(self, network, op, seconds, outcome):
        with self.lock:
            self.events.append((time.monotonic(), network, op, seconds, outcome))
            if outcome.startswith("failed"):
                self.errors.append("%s %s: %s" % (network, op, outcome))

    # -- one worker's units (each leaves no pod half-added) --------------------------------
    def add_unit(self, wid, mine):
        network = random.choice(list(self.topo.networks))
        with self.lock:
            self.counter += 1
            n = self.counter
        pod = Pod(network, "%s-w%d-%d" % (self.topo.run_id, wid, n), "%s-p%d" % (self.topo.run_id, n))
        subprocess.run(["ip", "netns", "add", pod.ns], check=True, capture_output=True)
        kill_after = None
        if random.random() < self.args.kill_fraction:
            recent = sorted(self.recent_add.get(network, [0.05])[-50:])
            kill_after = random.uniform(0.002, recent[len(recent) // 2])
        seconds, outcome, out = self.cnictl("add", pod, kill_after)
        if outcome == "ok":
            try:
                pod.ip = json.loads(out)["ips"][0]["address"].split("/")[0]
            except (ValueError, KeyError, IndexError) as e:
                outcome = "failed: unreadable result (%s)" % e
        self.record(network, "add", seconds, outcome)
        if outcome == "ok":
            with self.lock:
                self.recent_add.setdefault(network, []).append(seconds)
                del self.recent_add[network][:-50]
            mine.append(pod)
            with self.lock:
                self.live[pod.cid] = pod
            return
        # Killed or failed: the runtime's DEL, then the namespace goes.
        self.delete(pod)

    def delete(self, pod):
        for attempt in range(3):
            seconds, outcome, _ = self.cnictl("del", pod)
            self.record(pod.network, "del", seconds, outcome)
            if outcome == "ok":
                break
        else:
            with self.lock:
                self.errors.append("%s: DEL of %s failed 3 times; pod kept for the final DEL" % (pod.network, pod.cid))
                self.live[pod.cid] = pod
            return False
        subprocess.run(["ip", "netns", "del", pod.ns], capture_output=True)
        return True

    def del_unit(self, mine):
        pod = mine.pop(random.randrange(len(mine)))
        with self.lock:
            self.live.pop(pod.cid, None)
        self.delete(pod)

    def worker(self, wid):
        mine = []
        while not self.stop.is_set():
            with self.lock:
                while self.paused and not self.stop.is_set():
                    self.lock.wait()
                if self.stop.is_set():
                    break
                self.active += 1
            try:
                if not mine or (len(mine) < self.args.pods_per_worker and random.random() < 0.5):
                    self.add_unit(wid, mine)
                else:
                    self.del_unit(mine)
            except Exception as e:  # noqa: BLE001 - a worker must not die silently
                with self.lock:
                    self.errors.append("worker %d: %r" % (wid, e))
            finally:
                with self.lock:
                    self.active -= 1
                    self.lock.notify_all()

    # -- sampling at a barrier -------------------------------------------------------------
    def pause(self):
        with self.lock:
            self.paused = True
            while self.active:
                self.lock.wait()

    def resume(self):
        with self.lock:
            self.paused = False
            self.lock.notify_all()

    def live_by_network(self):
        out = {n: {} for n in self.topo.networks}
        for pod in self.live.values():
            out[pod.network][pod.cid] = pod.ip
        return out

    def take_sample(self, state):
        counts, node_state, problems = sample(state, self.live_by_network())
        return counts, node_state, problems


def settle(state, soak, check, seconds=15):
    """Samples until `check` finds nothing (veth pairs are deleted in the background after
    DEL, within tens of ms) or `seconds` pass; returns the last sample and its findings."""
    deadline = time.monotonic() + seconds
    while True:
        counts, node_state, problems = soak.take_sample(state)
        findings = problems + check(counts, node_state)
        if not findings or time.monotonic() > deadline:
            return counts, node_state, findings
        time.sleep(0.5)


def interrupted(signum, frame):
    raise KeyboardInterrupt


def main():
    # Explicitly: a background job of a non-interactive shell starts with SIGINT ignored.
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--workers", type=int, default=64)
    ap.add_argument("--interval", type=float, default=60, help="seconds between samples (60; shorter for trials)")
    ap.add_argument("--kill-fraction", type=float, default=0.05)
    ap.add_argument("--pods-per-worker", type=int, default=2, help="a worker holds at most this many live pods")
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--run-id", required=True)
    args = ap.parse_args()

    topo = Topology(args.run_id, args.work)
    soak = Soak(args, topo)
    state = NodeState(topo.node_ns, topo.networks, topo.cache_dir, UNDERLAY_DEV)
    failures = []
    threads = []
    try:
        topo.create()
        report.header(args, topo)
        soak.t0 = time.monotonic()
        end = soak.t0 + args.minutes * 60
        threads = [threading.Thread(target=soak.worker, args=(i,), daemon=True) for i in range(args.workers)]
        for t in threads:
            t.start()
        minute = 0
        last_event = 0
        while True:
            minute += 1
            boundary = min(soak.t0 + minute * args.interval, end)
            time.sleep(max(0, boundary - time.monotonic()))
            wait_start = time.monotonic()
            soak.pause()
            pause_start = time.monotonic()
            counts, node_state, problems = soak.take_sample(state)
            pause = time.monotonic() - pause_start
            with soak.lock:
                events = soak.events[last_event:]
                last_event = len(soak.events)
            report.minute(minute, events, counts, node_state, pause_start - wait_start, pause)
            for p in problems:
                failures.append("sample %d: %s" % (minute, p))
                print("    PROBLEM: %s" % p, flush=True)
            if boundary >= end:
                break
            soak.resume()
        soak.stop.set()
        soak.resume()
        for t in threads:
            t.join()
        threads = []

        # GC, then every count must equal the live pods. GC leaves result-cache temporaries
        # younger than 2 s (their writer may be about to rename them): let the last ones age.
        time.sleep(2.5)
        print("\n==> end: cnictl gc on both networks, then counts against the %d live pods" % len(soak.live), flush=True)
        for network in topo.networks:
            r = subprocess.run(["ip", "netns", "exec", topo.node_ns, os.path.join(args.bin_dir, "cnictl"), "gc", network,
                                "--conf", topo.conflists[network], "--bin-dir", args.bin_dir, "--cache-dir", topo.cache_dir],
                               capture_output=True, text=True)
            print("    gc %s: rc=%d %s" % (network, r.returncode, r.stdout.strip().replace("\n", " ")[:200]), flush=True)
            if r.returncode != 0:
                failures.append("gc %s failed: %s %s" % (network, r.stdout.strip(), r.stderr.strip()))
        counts, node_state, findings = settle(state, soak, report.check_equal_live)
        report.counts_table("after GC", counts, node_state)
        failures += ["after GC: " + f for f in findings]

        # The final DEL of every live pod, then every per-pod count must be zero.
        pods = list(soak.live.values())
        soak.live.clear()
        print("\n==> final DEL of %d live pods" % len(pods), flush=True)
        errors = []
        lock = threading.Lock()

        def final_del(chunk):
            for pod in chunk:
                seconds, outcome, _ = soak.cnictl("del", pod)
                if outcome != "ok":
                    with lock:
                        errors.append("%s %s: %s" % (pod.network, pod.cid, outcome))
                subprocess.run(["ip", "netns", "del", pod.ns], capture_output=True)
        chunks = [pods[i::args.workers] for i in range(args.workers)]
        dels = [threading.Thread(target=final_del, args=(c,)) for c in chunks if c]
        for t in dels:
            t.start()
        for t in dels:
            t.join()
        failures += ["final DEL failed: " + e for e in errors]
        counts, node_state, findings = settle(state, soak, report.check_zero)
        report.counts_table("after the final DEL", counts, node_state)
        failures += ["after the final DEL: " + f for f in findings]

        report.summary(soak.events, soak.errors, failures)
        return 1 if failures or soak.errors else 0
    except KeyboardInterrupt:
        print("\nsoak: interrupted; removing everything", file=sys.stderr, flush=True)
        return 130
    finally:
        soak.stop.set()
        soak.resume()
        for t in threads:
            t.join(timeout=30)
        for pod in list(soak.live.values()):
            subprocess.run(["ip", "netns", "del", pod.ns], capture_output=True)
        topo.remove()


if __name__ == "__main__":
    sys.exit(main())
