#!/usr/bin/env python3
"""Regenerates the seed corpora in Fuzz/corpus/<target>/ from the project's own inputs:
JSON string literals in Tests/**/*.swift, conf/**, and the golden files of
Tests/CNISpecTests/Golden; and the libFuzzer dictionaries in Fuzz/dict/ (JSON tokens, the
member names and keywords the fuzzed decoders read, the CNI_* variables).
Run from the package root: python3 Fuzz/make-seeds.py

Each seed is named by the SHA-1 of its content (duplicates collapse); a target keeps at most
MAX_PER_TARGET seeds of at most MAX_BYTES bytes, chosen in a fixed order (deterministic)."""
import glob
import hashlib
import json
import os
import re
import shutil

MAX_PER_TARGET = 60
MAX_BYTES = 6000
ROOT = os.getcwd()
OUT = os.path.join(ROOT, "Fuzz", "corpus")
TARGETS = ["json", "cni-args", "result", "netconf", "plugin-config", "manifest", "peers", "dispatcher"]


def swift_literals(text):
    """String literals of a Swift file, raw (#"..."#) or not, single- or multi-line."""
    out = []
    pattern = re.compile(r'(#*)("""|")')
    i = 0
    while True:
        m = pattern.search(text, i)
        if not m:
            break
        hashes, quote = m.group(1), m.group(2)
        start = m.end()
        end_delim = quote + hashes
        j = start
        body = None
        while j < len(text):
            if not hashes and text[j] == "\\":
                j += 2
                continue
            if text.startswith(end_delim, j):
                body = text[start:j]
                break
            if quote == '"' and text[j] == "\n":
                break
            j += 1
        if body is None:
            i = start
            continue
        i = j + len(end_delim)
        if not hashes:
            if "\\(" in body:
                continue
            body = (body.replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\"))
        elif ("\\" + hashes + "(") in body:
            continue
        out.append(body.strip("\n"))
    return out


def parse_json(text):
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, (dict, list)) else None


def classify(value):
    kinds = {"json"}
    objs = value if isinstance(value, list) else [value]
    if isinstance(value, dict):
        keys = set(value)
        if "type" in keys or "plugins" in keys:
            kinds |= {"netconf", "plugin-config", "dispatcher"}
            if "nodes" in keys:
                kinds.add("peers")
        if keys & {"ips", "interfaces", "ip4", "ip6"} and "type" not in keys:
            kinds.add("result")
        kind = value.get("kind", "")
        if isinstance(kind, str) and kind:
            kinds.add("peers" if kind == "NodeList" else "manifest")
        if "nodes" in keys or "items" in keys:
            kinds.add("peers")
        if "prevResult" in keys:
            kinds.add("dispatcher")
    if all(isinstance(o, dict) for o in objs) and any("underlayIP" in o for o in objs):
        kinds.add("peers")
    if isinstance(value, list) and any(isinstance(o, dict) and "kind" in o for o in objs):
        kinds.add("manifest")
    return kinds


def dispatcher_seeds(config_bytes, index):
    env = {
        "CNI_CONTAINERID": "fuzzcontainer", "CNI_NETNS": "/var/run/netns/fuzz", "CNI_IFNAME": "eth0",
        "CNI_PATH": "/opt/cni/bin", "CNI_ARGS": "IgnoreUnknown=1;K8S_POD_NAMESPACE=default",
    }
    commands = ["ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"]
    stubs = ["", "prev", "cni-error", "other-error", "old"]
    command = commands[index % len(commands)]
    stub = stubs[index % len(stubs)]
    lines = [f"CNI_COMMAND={command}"] + [f"{k}={v}" for k, v in env.items()]
    if stub:
        lines.append(f"FUZZ_STUB={stub}")
    return "\n".join(lines).encode() + b"\0" + config_bytes


def main():
    seeds = {t: [] for t in TARGETS}

    def add(target, data):
        if len(data) <= MAX_BYTES and data not in seeds[target]:
            seeds[target].append(data)

    sources = []
    for base in ["Tests/CNISpecTests/Golden", "conf"]:
        for dirpath, _, files in sorted(os.walk(base)):
            for f in sorted(files):
                with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                    sources.append(fh.read())
    for dirpath, _, files in sorted(os.walk("Tests")):
        for f in sorted(files):
            if f.endswith(".swift"):
                with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                    text = fh.read()
                sources.extend(swift_literals(text))
                if "CNI_ARGS" in text or "CNIArgs" in text:
                    for lit in swift_literals(text):
                        if re.fullmatch(r"([A-Za-z0-9_\-]+=[^;\n]*;?)+", lit) and len(lit) < 300:
                            add("cni-args", lit.encode())

    dispatcher_index = 0
    for source in sources:
        value = parse_json(source)
        if value is None:
            continue
        data = source.encode()
        for target in sorted(classify(value)):
            if target == "dispatcher":
                add(target, dispatcher_seeds(data, dispatcher_index))
                dispatcher_index += 1
                if dispatcher_index % 3 == 0:
                    add(target, data)
            elif target == "plugin-config":
                add(target, b"IgnoreUnknown=1;MAC=0a:58:0a:f4:00:05;IP=10.244.0.9\0" + data
                    if len(seeds[target]) % 4 == 1 else data)
            else:
                add(target, data)

    for extra in ["", "IgnoreUnknown=1", "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0",
                  "MAC=0a:58:0a:f4:00:05", "IP=10.244.0.9,fd00::9", "a=b;;c=", "=x", "a==b", "novalue"]:
        add("cni-args", extra.encode())
    add("dispatcher", b"\0")
    add("dispatcher", b"CNI_COMMAND=VERSION\0")

    for target in TARGETS:
        directory = os.path.join(OUT, target)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        for data in seeds[target][:MAX_PER_TARGET]:
            name = hashlib.sha1(data).hexdigest()[:16]
            with open(os.path.join(directory, name), "wb") as fh:
                fh.write(data)
        print(f"{target}: {min(len(seeds[target]), MAX_PER_TARGET)} seeds (of {len(seeds[target])})")


DECODER_SOURCES = ["Sources/CNISpec/**/*.swift", "Sources/CNIRuntime/*.swift", "Sources/HostLocalIPAM/*.swift",
                   "Sources/BridgePlugin/Config/*.swift", "Sources/Overlay/Config/*.swift",
                   "Sources/NetworkPolicy/**/*.swift", "Sources/BGPRouting/RoutingConfig.swift"]
JSON_TOKENS = ["{", "}", "[", "]", ":", ",", '"', "true", "false", "null", "-0", "1e9", "\\u", "\\ud800",
               "4094", "65535", "::", "/64", "/24", "10.0.0.1", "fd00::1", "bgp"]
ENV_TOKENS = ["CNI_COMMAND=", "CNI_CONTAINERID=", "CNI_NETNS=", "CNI_IFNAME=", "CNI_PATH=", "CNI_ARGS=",
              "CNI_NETNS_OVERRIDE=", "FUZZ_STUB=", "ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION", "prev",
              "cni-error", "other-error", "old", "/proc/self/ns/net", "IgnoreUnknown=1", "MAC=", "IP=", ";", "=",
              "\x00", "\n"]


def quoted(token):
    """A libFuzzer dictionary entry: backslash and quote escaped, other bytes outside
    printable ASCII as \\xNN."""
    out = ""
    for byte in token.encode():
        ch = chr(byte)
        if ch in '\\"':
            out += "\\" + ch
        elif 0x20 <= byte < 0x7F:
            out += ch
        else:
            out += "\\x%02x" % byte
    return '"' + out + '"'


def make_dicts():
    words = set()
    for pattern in DECODER_SOURCES:
        for path in sorted(glob.glob(pattern, recursive=True)):
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            for m in re.finditer(r'\b(?:string|strings|int|bool|object|objects|array|has)\("([A-Za-z0-9_./-]+)"\)'
                                 r'|\["([A-Za-z0-9_./-]+)"\]|case "([A-Za-z0-9_./-]+)"|== "([A-Za-z0-9_./-]+)"', text):
                words.add(next(g for g in m.groups() if g))
    json_lines = [quoted(t) for t in JSON_TOKENS] + [quoted('"' + w + '"') for w in sorted(words)]
    env_lines = [quoted(t) for t in ENV_TOKENS]
    os.makedirs(os.path.join(ROOT, "Fuzz", "dict"), exist_ok=True)
    header = "# Generated by Fuzz/make-seeds.py.\n"
    for name, lines in [("json", json_lines), ("env", env_lines), ("dispatcher", env_lines + json_lines)]:
        with open(os.path.join(ROOT, "Fuzz", "dict", name + ".dict"), "w") as fh:
            fh.write(header + "\n".join(lines) + "\n")
    print(f"dictionaries: {len(json_lines)} JSON tokens, {len(env_lines)} environment tokens")


if __name__ == "__main__":
    main()
    make_dicts()
