#!/usr/bin/env bash
# Build a release: every plugin (scripts/plugins.txt) and cnictl, release build, stripped, in
# one versioned tarball with the binaries at its root, like the reference's
# cni-plugins-linux-amd64-vX.Y.Z.tgz.
#
#   scripts/release.sh [--version vX.Y.Z] [--out DIR] [--scratch-path DIR]
#
# Writes DIR/swift-cni-linux-<arch>-vX.Y.Z.tgz, DIR/swift-cni-linux-<arch>-vX.Y.Z.tgz.sha256
# (`sha256sum -c` format) and DIR/SHA256SUMS (each binary's sum; also at the archive's root, to
# check the extracted files). Default DIR: dist/.
# The version is --version, else the v* tag `git describe` finds, else v + the version in
# Sources/CBuildIdentity/build_identity.c. Every binary's build identity (its ELF note,
# `--version`, the plugins' usage text) names that version, the commit and the build time
# (SOURCE_DATE_EPOCH when set, for a reproducible build, else now), so the identity is the
# same in every binary of one release and differs between releases.
#
# The build uses its own scratch path (default .build-release): the identity is compiled in
# with -Xcc defines, which change every Swift module's compiler arguments, so a release is a
# clean build that leaves the development build in .build untouched.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=""
OUT=dist
SCRATCH=.build-release
while [ $# -gt 0 ]; do
    case "$1" in
        --version) VERSION=${2:?--version needs a value}; shift 2 ;;
        --out) OUT=${2:?--out needs a value}; shift 2 ;;
        --scratch-path) SCRATCH=${2:?--scratch-path needs a value}; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "release.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

source_version=$(sed -n 's/^#define SWIFT_CNI_VERSION "\(.*\)"$/\1/p' Sources/CBuildIdentity/build_identity.c)
if [ -z "$VERSION" ]; then
    VERSION=$(git describe --tags --match 'v[0-9]*' 2>/dev/null || echo "v$source_version")
fi
case "$VERSION" in v*) ;; *) VERSION="v$VERSION" ;; esac
case "$VERSION" in
    *[!A-Za-z0-9.+_-]*) echo "release.sh: version \"$VERSION\" has characters other than [A-Za-z0-9.+_-]" >&2; exit 2 ;;
esac
COMMIT=$(git rev-parse --short=12 HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then COMMIT="$COMMIT-dirty"; fi
EPOCH=${SOURCE_DATE_EPOCH:-$(date +%s)}
BUILT=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)
# The identity is "swift-cni <version> <token>" (build_identity.c).
TOKEN="(commit $COMMIT, built $BUILT)"
IDENTITY_VERSION=${VERSION#v}

case "$(uname -m)" in
    x86_64) ARCH=amd64 ;;
    aarch64) ARCH=arm64 ;;
    *) ARCH=$(uname -m) ;;
esac
NAME="swift-cni-linux-$ARCH-$VERSION"

SWIFT_BUILD_FLAGS=(-c release --static-swift-stdlib --scratch-path "$SCRATCH"
    -Xcc "-DSWIFT_CNI_VERSION=\"$IDENTITY_VERSION\"" -Xcc "-DSWIFT_CNI_BUILD_ID=\"$TOKEN\"")
echo "==> swift build -c release --static-swift-stdlib --scratch-path $SCRATCH (swift-cni $IDENTITY_VERSION $TOKEN)"
SOURCE_DATE_EPOCH=$EPOCH swift build "${SWIFT_BUILD_FLAGS[@]}"
BIN_PATH=$(swift build "${SWIFT_BUILD_FLAGS[@]}" --show-bin-path)

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
BINARIES=($(cat scripts/plugins.txt) cnictl)
for binary in "${BINARIES[@]}"; do
    # strip keeps SHT_NOTE sections: the build identity note survives (checked below).
    strip --strip-all -o "$STAGE/$binary" "$BIN_PATH/$binary"
    chmod 0755 "$STAGE/$binary"
done

echo "==> checking the stripped binaries' build identity"
expected="swift-cni $IDENTITY_VERSION $TOKEN"
for binary in "${BINARIES[@]}"; do
    got=$("$STAGE/$binary" --version)
    if [ "$got" != "$expected" ]; then
        echo "release.sh: $binary --version says \"$got\", expected \"$expected\"" >&2
        exit 1
    fi
done
echo "    every binary: $expected"

# The binaries' sums, inside the archive (`sha256sum -c SHA256SUMS` where it is extracted) and
# beside it.
(cd "$STAGE" && sha256sum "${BINARIES[@]}") >"$STAGE/SHA256SUMS"
chmod 0644 "$STAGE/SHA256SUMS"

mkdir -p "$OUT"
TARBALL="$OUT/$NAME.tgz"
# Deterministic archive: sorted names, fixed owner, modes 0755 (binaries, the directory) and
# 0644, mtime of the build, no gzip timestamp; entries are ./NAME as in the reference's.
(cd "$STAGE" && tar --sort=name --owner=0 --group=0 --numeric-owner --mode=u+rwX,go+rX,go-w --mtime="@$EPOCH" \
    -cf - ./ ) | gzip -n -9 >"$TARBALL.tmp"
mv -f "$TARBALL.tmp" "$TARBALL"
(cd "$OUT" && sha256sum "$NAME.tgz" >"$NAME.tgz.sha256")
cp "$STAGE/SHA256SUMS" "$OUT/SHA256SUMS"

echo "==> $TARBALL"
printf '    %-12s %10s\n' binary bytes
for binary in "${BINARIES[@]}"; do
    printf '    %-12s %10d\n' "$binary" "$(stat -c %s "$STAGE/$binary")"
done
printf '    %-12s %10d\n' "(tarball)" "$(stat -c %s "$TARBALL")"
echo "    $OUT/$NAME.tgz.sha256, $OUT/SHA256SUMS"
