#!/usr/bin/env python3
"""Test helper for bpf/test/smoke.sh (standard library only; this machine has no ping or nc).

  probe.py frame OUT [--src A --dst B] [--proto tcp|udp|icmp] [--dport N] [--vlan N] [--arp]
                     [--truncate-ip] [--hop-by-hop] [--tcp-flags S|A|R|F..]
                                        write an Ethernet frame for `bpftool prog run data_in OUT`
  probe.py ping ADDR [--count N]        raw-socket ICMP/ICMPv6 echo; prints "received R/N"
  probe.py serve PORT [PORT..] [--v6]   TCP servers that answer "hello"; run until killed
  probe.py connect ADDR PORT [--bind A] one TCP connection; prints "connected"/"refused"/"timeout"
  probe.py events OBJ FILE [--count F=V..]
                                        decode `bpftool map event_pipe` output, one line an event
  probe.py encode OBJ STRUCT F=V..      hex bytes of a struct (bpftool key/value), unnamed members zero
  probe.py u64 PINNED_MAP FIELD KEYHEX..  a u64 field of a map value (summed over CPUs), 0 if absent

Struct layouts and drop reasons come from the compiled object's BTF (OBJ), the C truth: this helper holds
no copy of them. Java's copy is checked against the same BTF by the datapath tests.
"""
import argparse
import ipaddress
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import time

# notify_hdr.type -> struct (NOTIFY_* in lib/events.h; defines, so not in BTF).
NOTIFY_STRUCTS = {1: ("drop", "drop_notify"), 5: ("policy-verdict", "policy_verdict_notify")}
MATCHES = {0: "none", 1: "L3", 2: "L3-L4", 3: "L4", 4: "all", 5: "L3-proto", 6: "proto"}
PROTOS = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"}
DIRS = {1: "ingress", 2: "egress"}


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def cmd_frame(a):
    eth_type = 0x0806 if a.arp else None
    src = ipaddress.ip_address(a.src)
    dst = ipaddress.ip_address(a.dst)
    proto = {"tcp": 6, "udp": 17, "icmp": 1 if src.version == 4 else 58}[a.proto]
    if a.proto == "tcp":
        flags = sum({"F": 1, "S": 2, "R": 4, "P": 8, "A": 16}[c] for c in a.tcp_flags)
        l4 = struct.pack("!HHIIBBHHH", a.sport, a.dport, 1, 0, 5 << 4, flags, 65535, 0, 0)
    elif a.proto == "udp":
        l4 = struct.pack("!HHHH", a.sport, a.dport, 8, 0)
    else:
        l4 = struct.pack("!BBHHH", 8 if src.version == 4 else 128, 0, 0, a.echo_id, 1) + b"x" * 8
    if src.version == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, src.packed, dst.packed)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        l3 = ip + l4
        eth_type = eth_type or 0x0800
    else:
        ext = b""
        nexthdr = proto
        if a.hop_by_hop:
            ext = struct.pack("!BB6s", proto, 0, b"\x01\x04\0\0\0\0")  # PadN
            nexthdr = 0
        l3 = struct.pack("!IHBB16s16s", 6 << 28, len(ext) + len(l4), nexthdr, 64, src.packed, dst.packed) + ext + l4
        eth_type = eth_type or 0x86DD
    if a.arp:
        l3 = bytes(28)
    if a.truncate_ip:
        l3 = l3[:10]
    frame = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01"
    if a.vlan:
        tpids = [0x88A8 if i == 0 and a.vlan > 1 else 0x8100 for i in range(a.vlan)]
        frame += struct.pack("!H", tpids[0])
        for i in range(a.vlan):
            nxt = tpids[i + 1] if i + 1 < a.vlan else eth_type
            frame += struct.pack("!HH", 100 + i, nxt)
    else:
        frame += struct.pack("!H", eth_type)
    frame += l3
    if not a.truncate_ip:   # a real NIC pads to 60 bytes; a cut-short header must stay cut short
        frame += bytes(max(0, 60 - len(frame)))
    with open(a.out, "wb") as f:
        f.write(frame)


def cmd_ping(a):
    addr = ipaddress.ip_address(a.addr)
    v6 = addr.version == 6
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_RAW,
                      socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xffff
    received = 0
    for seq in range(1, a.count + 1):
        payload = b"membrane"
        hdr = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, ident, seq)
        if not v6:
            hdr = struct.pack("!BBHHH", 8, 0, checksum(hdr + payload), ident, seq)
        s.sendto(hdr + payload, (a.addr, 0))   # the kernel fills the ICMPv6 checksum
        deadline = time.time() + a.timeout
        while time.time() < deadline:
            r, _, _ = select.select([s], [], [], max(0, deadline - time.time()))
            if not r:
                break
            pkt, _ = s.recvfrom(2048)
            icmp = pkt if v6 else pkt[(pkt[0] & 0xf) * 4:]
            typ, _, _, rid, rseq = struct.unpack("!BBHHH", icmp[:8])
            if typ == (129 if v6 else 0) and rid == ident and rseq == seq:
                received += 1
                break
    print(f"received {received}/{a.count}")


def cmd_serve(a):
    fam = socket.AF_INET6 if a.v6 else socket.AF_INET
    socks = []
    for port in a.ports:
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::" if a.v6 else "0.0.0.0", port))
        s.listen(16)
        socks.append(s)
    print("serving", a.ports, flush=True)
    while True:
        r, _, _ = select.select(socks, [], [])
        for s in r:
            c, _ = s.accept()
            c.sendall(b"hello from %d\n" % s.getsockname()[1])
            c.close()


def cmd_connect(a):
    addr = ipaddress.ip_address(a.addr)
    s = socket.socket(socket.AF_INET6 if addr.version == 6 else socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    if a.bind:
        s.bind((a.bind, 0))
    try:
        s.connect((a.addr, a.port))
        data = s.recv(100)
        print("connected:", data.decode().strip())
    except socket.timeout:
        print("timeout")
        sys.exit(1)
    except ConnectionRefusedError:
        print("refused")
        sys.exit(2)


class Btf:
    """Structs and enums of one object's BTF, as `bpftool btf dump file OBJ -j` lists them."""

    def __init__(self, obj):
        out = subprocess.run(["bpftool", "btf", "dump", "file", obj, "-j"], check=True, capture_output=True,
                             text=True).stdout
        self.types = {t["id"]: t for t in json.loads(out)["types"]}
        self.named = {(t["kind"], t.get("name")): t for t in self.types.values()}

    def _find(self, kind, name):
        t = self.named.get((kind, name))
        if t is None:
            sys.exit(f"probe.py: no {kind.lower()} {name} in the object's BTF")
        return t

    def _member_type(self, type_id):
        """(resolved type, True if a __be* typedef was on the way)."""
        big_endian = False
        t = self.types[type_id]
        while t["kind"] in ("TYPEDEF", "CONST", "VOLATILE"):
            big_endian = big_endian or t["name"].startswith("__be")
            t = self.types[t["type_id"]]
        return t, big_endian

    def _size(self, t):
        if t["kind"] == "ARRAY":
            return t["nr_elems"] * self._size(self._member_type(t["type_id"])[0])
        return t["size"]

    def members(self, struct):
        """[(name, offset, size, resolved type, big_endian)] of a struct."""
        out = []
        for m in self._find("STRUCT", struct)["members"]:
            t, be = self._member_type(m["type_id"])
            out.append((m["name"], m["bits_offset"] // 8, self._size(t), t, be))
        return out

    def sizeof(self, struct):
        return self._find("STRUCT", struct)["size"]

    def enum(self, name):
        return {v["val"]: v["name"] for v in self._find("ENUM", name)["values"]}

    def decode(self, struct, raw, base=0):
        """Member name -> int (numbers), bytes (arrays) or dict (nested structs)."""
        out = {}
        for name, off, size, t, be in self.members(struct):
            chunk = raw[base + off:base + off + size]
            if t["kind"] == "STRUCT":
                out[name] = self.decode(t["name"], raw, base + off)
            elif t["kind"] == "ARRAY":
                out[name] = bytes(chunk)
            else:
                out[name] = int.from_bytes(chunk, "big" if be else "little", signed=t.get("encoding") == "SIGNED")
        return out

    def encode(self, struct, values):
        """Bytes of a struct; an array member takes an IP address (the front of the array), a number else."""
        raw = bytearray(self.sizeof(struct))
        unknown = set(values) - {m[0] for m in self.members(struct)}
        if unknown:
            sys.exit(f"probe.py: {struct} has no member {', '.join(sorted(unknown))}")
        for name, off, size, t, be in self.members(struct):
            if name not in values:
                continue
            if t["kind"] == "ARRAY":
                b = ipaddress.ip_address(values[name]).packed
            else:
                b = int(values[name], 0).to_bytes(size, "big" if be else "little", signed=int(values[name], 0) < 0)
            raw[off:off + len(b)] = b
        return bytes(raw)


def decode_event(raw, btf):
    if len(raw) < btf.sizeof("notify_hdr"):
        return None
    hdr = btf.decode("notify_hdr", raw)
    kind, struct = NOTIFY_STRUCTS.get(hdr["type"], (None, None))
    if struct is None or hdr["len"] < btf.sizeof(struct) or len(raw) < btf.sizeof(struct):
        return {"type": hdr["type"], "len": hdr["len"]}
    e = btf.decode(struct, raw)

    def addr(b):
        return {1: lambda: str(ipaddress.IPv4Address(b[:4])), 2: lambda: str(ipaddress.IPv6Address(b))}.get(
            e["family"], lambda: "-")()
    ev = {"type": kind, "source": hdr["source"], "saddr": addr(e["saddr"]), "daddr": addr(e["daddr"]),
          "sport": e["sport"], "dport": e["dport"], "proto": PROTOS.get(e["protocol"], e["protocol"]),
          "dir": DIRS.get(e["direction"], e["direction"])}
    if kind == "drop":
        ev.update(reason=hdr["subtype"], reason_name=btf.enum("drop_reason").get(hdr["subtype"], "?"),
                  src_identity=e["src_identity"], dst_identity=e["dst_identity"], ifindex=e["ifindex"],
                  orig_len=e["orig_len"])
    else:
        ev.update(local_identity=e["local_identity"], remote_identity=e["remote_identity"], verdict=e["verdict"],
                  ifindex=e["ifindex"], match=MATCHES.get(e["match_type"], e["match_type"]))
    return ev


def cmd_events(a):
    """bpftool prints '== @<ts> CPU: <n> index: <i> =====' then lines of 16 hex bytes."""
    events, cur = [], None
    for line in open(a.file, errors="replace"):
        if line.startswith("=="):
            if cur is not None:
                events.append(cur)
            cur = bytearray()
        elif cur is not None and re.match(r"^([0-9a-f]{2}\s+)*[0-9a-f]{2}\s*$", line):
            cur += bytes.fromhex(line.replace(" ", "").strip())
        elif "lost" in line.lower() and cur is not None:
            print("#", line.strip())
    if cur is not None:
        events.append(cur)
    btf = Btf(a.object)
    decoded = [decode_event(bytes(raw), btf) for raw in events]
    if a.count is not None:
        want = dict(kv.split("=", 1) for kv in a.count)
        print(sum(1 for ev in decoded if ev and all(str(ev.get(k)) == v for k, v in want.items())))
        return
    for ev in decoded:
        print(json.dumps(ev, sort_keys=False))


def cmd_encode(a):
    values = dict(kv.split("=", 1) for kv in a.values)
    print(" ".join("%02x" % b for b in Btf(a.object).encode(a.struct, values)))


def cmd_u64(a):
    """FIELD of the value under KEY (hex bytes), summed over CPUs; 0 if absent. Needs a map with BTF."""
    out = subprocess.run(["bpftool", "-j", "map", "lookup", "pinned", a.map, "key", "hex"] + a.key,
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(0)
        return
    doc = json.loads(out.stdout)["formatted"]
    values = [v["value"] for v in doc["values"]] if "values" in doc else [doc["value"]]
    print(sum(v[a.field] for v in values))


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # `probe.py events … | head -1` ends quietly
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("frame")
    f.add_argument("out")
    f.add_argument("--src", default="203.0.113.7")
    f.add_argument("--dst", default="10.211.0.2")
    f.add_argument("--proto", default="tcp", choices=["tcp", "udp", "icmp"])
    f.add_argument("--sport", type=int, default=40000)
    f.add_argument("--dport", type=int, default=8080)
    f.add_argument("--echo-id", type=int, default=77)
    f.add_argument("--tcp-flags", default="S")
    f.add_argument("--vlan", type=int, default=0)
    f.add_argument("--arp", action="store_true")
    f.add_argument("--truncate-ip", action="store_true")
    f.add_argument("--hop-by-hop", action="store_true")
    g = sub.add_parser("ping")
    g.add_argument("addr")
    g.add_argument("--count", type=int, default=3)
    g.add_argument("--timeout", type=float, default=1.0)
    s = sub.add_parser("serve")
    s.add_argument("ports", type=int, nargs="+")
    s.add_argument("--v6", action="store_true")
    c = sub.add_parser("connect")
    c.add_argument("addr")
    c.add_argument("port", type=int)
    c.add_argument("--timeout", type=float, default=2.0)
    c.add_argument("--bind", help="source address")
    e = sub.add_parser("events")
    e.add_argument("object")
    e.add_argument("file")
    e.add_argument("--count", nargs="*", metavar="FIELD=VALUE",
                   help="print only the number of events whose fields all equal these values")
    n = sub.add_parser("encode")
    n.add_argument("object")
    n.add_argument("struct")
    n.add_argument("values", nargs="*", metavar="FIELD=VALUE")
    u = sub.add_parser("u64")
    u.add_argument("map")
    u.add_argument("field")
    u.add_argument("key", nargs="+")
    a = p.parse_args()
    {"frame": cmd_frame, "ping": cmd_ping, "serve": cmd_serve, "connect": cmd_connect,
     "events": cmd_events, "encode": cmd_encode, "u64": cmd_u64}[a.cmd](a)


if __name__ == "__main__":
    main()
