#!/usr/bin/env bash
# Set up a fresh Debian node or CI machine (as root): install the build and test
# dependencies with apt-get, build release binaries, and install them.
#
#   scripts/setup.sh [--bin-dir DIR] [--conf-dir DIR] [--no-install] [--no-deps]
#
# Defaults: plugins and cnictl into /opt/cni/bin (cnictl is also linked into
# /usr/local/bin), example network configurations into /etc/cni/net.d. Existing
# configuration files are never overwritten.
set -euo pipefail

BIN_DIR=/opt/cni/bin
CONF_DIR=/etc/cni/net.d
INSTALL=1
DEPS=1
while [ $# -gt 0 ]; do
    case "$1" in
        --bin-dir) BIN_DIR=$2; shift 2 ;;
        --conf-dir) CONF_DIR=$2; shift 2 ;;
        --no-install) INSTALL=0; shift ;;
        --no-deps) DEPS=0; shift ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ "$DEPS" = 1 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup.sh: installing packages needs root (or pass --no-deps)" >&2
        exit 1
    fi
    echo "==> apt-get: libraries, kernel tools and the Go reference plugins"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # -dev libraries we link (libbpf-dev: the vxlan plugin's eBPF data path); tools tests
    # use to observe the kernel (bpftool: the data path's maps); the reference plugins
    # (containernetworking-plugins) for side-by-side tests and benchmarks; iperf3 for
    # throughput benchmarks; make for the fuzz targets (Fuzz/Makefile, scripts/fuzz.sh); binutils
    # (strip) for the installed binaries;
    # podman (CNI backend, runc: crun refuses hybrid cgroups), busybox-static (its local test
    # image) and conntrack for the podman acceptance tests; bird2 (BIRD 2) for the vxlan
    # plugin's routing mode "bgp". gcc (with libmnl-dev) builds the bench's floor (bench/floor),
    # valgrind counts the instructions of one bridge ADD (scripts/bench.sh).
    apt-get install -y -qq --no-install-recommends \
        pkg-config libmnl-dev libnftables-dev libbpf-dev make binutils gcc libc6-dev valgrind \
        iproute2 nftables procps util-linux bpftool \
        iputils-ping containernetworking-plugins iperf3 python3 \
        podman runc busybox-static conntrack bird2 >/dev/null
    # The package enables bird.service on its stock /etc/bird/bird.conf (which exports every
    # route to the kernel and announces nothing). Tests never use it: they start their own
    # BIRD processes (own configuration, socket and pid file) in their namespaces. While the
    # file is still the stock one, the service is disabled and stopped; a node using routing
    # "bgp" enables it once the plugin has written routing.birdConfig there.
    if cmp -s /etc/bird/bird.conf /usr/share/bird2/bird.conf \
        && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
        systemctl disable --now bird.service >/dev/null 2>&1 || true
    fi
fi

SWIFT_BUILD_FLAGS=(-c release --static-swift-stdlib)
echo "==> swift build ${SWIFT_BUILD_FLAGS[*]}"
swift build "${SWIFT_BUILD_FLAGS[@]}"
BIN_PATH=$(swift build "${SWIFT_BUILD_FLAGS[@]}" --show-bin-path)

if [ "$INSTALL" = 1 ]; then
    echo "==> installing binaries into $BIN_DIR (stripped)"
    mkdir -p "$BIN_DIR"
    for binary in $(cat scripts/plugins.txt) cnictl; do
        # Install through a temporary name and rename, so a runtime exec'ing the old
        # binary never sees a half-written file. Stripped: the debug information and symbol
        # tables are most of an unstripped binary; strip keeps the note sections, so the
        # build identity (`--version`, the bridge's same-build host-local check) stays.
        strip --strip-all -o "$BIN_DIR/.$binary.new" "$BIN_PATH/$binary"
        chmod 0755 "$BIN_DIR/.$binary.new"
        mv -f "$BIN_DIR/.$binary.new" "$BIN_DIR/$binary"
    done
    if [ -d /usr/local/bin ] && [ "$BIN_DIR" = /opt/cni/bin ]; then
        ln -sf "$BIN_DIR/cnictl" /usr/local/bin/cnictl
    fi
    echo "==> example configurations into $CONF_DIR (existing files kept)"
    mkdir -p "$CONF_DIR"
    for conf in conf/node/*.conflist; do
        [ -e "$conf" ] || continue
        target="$CONF_DIR/$(basename "$conf")"
        if [ -e "$target" ]; then
            echo "    kept existing $target"
        else
            install -m 0644 "$conf" "$target"
            echo "    installed $target"
        fi
    done
fi
echo "==> done: release binaries in $BIN_PATH"
