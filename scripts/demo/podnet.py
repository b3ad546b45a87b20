#!/usr/bin/env python3
"""Tiny traffic tools run inside pod namespaces by scripts/demo.sh.

  podnet.py serve                 TCP :7777 answers each connection with the peer address it
                                  saw; UDP :7778 echoes datagrams back with DF set.
  podnet.py tcp DST               connect to DST:7777, print the address the receiver saw.
  podnet.py df DST SIZE           send one UDP datagram of SIZE payload bytes with DF set to
                                  DST:7778 and wait for the echo; print "ok <ip packet size>".
  podnet.py rr DST N              N one-byte request/response round trips on one TCP
                                  connection to DST:7779 (echo); print the median and p99 in µs.
"""
import os
import signal
import socket
import sys
import threading

IP_MTU_DISCOVER = 10
IP_PMTUDISC_DO = 2


def serve():
    # Do not keep descriptors a parent leaked (pipes of concurrent commands), and obey
    # SIGTERM even when the parent blocked it.
    os.closerange(3, 4096)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("0.0.0.0", 7777))
    tcp.listen(64)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
    udp.bind(("0.0.0.0", 7778))

    def udp_loop():
        while True:
            data, peer = udp.recvfrom(65535)
            try:
                udp.sendto(data, peer)
            except OSError:
                pass

    threading.Thread(target=udp_loop, daemon=True).start()

    rr = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    rr.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    rr.bind(("0.0.0.0", 7779))
    rr.listen(16)

    def rr_conn(conn):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with conn:
            while True:
                data = conn.recv(1)
                if not data:
                    return
                conn.sendall(data)

    def rr_loop():
        while True:
            conn, _ = rr.accept()
            threading.Thread(target=rr_conn, args=(conn,), daemon=True).start()

    threading.Thread(target=rr_loop, daemon=True).start()
    print("ready", flush=True)
    while True:
        conn, peer = tcp.accept()
        with conn:
            conn.sendall((peer[0] + "\n").encode())


def tcp(dst):
    with socket.create_connection((dst, 7777), timeout=3) as s:
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(100)
            if not chunk:
                break
            data += chunk
    print(data.decode().strip())


def df(dst, size):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
    s.settimeout(2)
    payload = b"x" * size
    try:
        s.sendto(payload, (dst, 7778))
        data, _ = s.recvfrom(65535)
    except OSError as e:
        print("fail " + (e.strerror or str(e)))
        return 1
    if len(data) != size:
        print("fail echo of %d bytes" % len(data))
        return 1
    print("ok %d" % (size + 28))
    return 0


def rr(dst, n):
    import time
    s = socket.create_connection((dst, 7779), timeout=3)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    samples = []
    for _ in range(n + 50):
        t = time.perf_counter_ns()
        s.sendall(b"x")
        if s.recv(1) != b"x":
            print("fail short read")
            return 1
        samples.append(time.perf_counter_ns() - t)
    samples = sorted(samples[50:])
    print("median_us %.1f p99_us %.1f" % (samples[len(samples) // 2] / 1000, samples[int(len(samples) * 0.99)] / 1000))
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "serve":
        serve()
    elif cmd == "tcp":
        try:
            tcp(sys.argv[2])
        except OSError as e:
            print("fail " + (e.strerror or str(e)))
            sys.exit(1)
    elif cmd == "rr":
        sys.exit(rr(sys.argv[2], int(sys.argv[3])))
    elif cmd == "df":
        sys.exit(df(sys.argv[2], int(sys.argv[3])))
    else:
        sys.exit(__doc__)
