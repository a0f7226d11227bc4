#!/usr/bin/env python3
"""Test helper for bpf/test/smoke.sh (standard library only; this machine has no ping or nc).

  probe.py frame OUT [--src A --dst B] [--proto tcp|udp|icmp] [--dport N] [--vlan N] [--arp]
                     [--truncate-ip] [--hop-by-hop] [--tcp-flags S|A|R|F..]
                                        write an Ethernet frame for `bpftool prog run data_in OUT`
  probe.py ping ADDR [--count N]        raw-socket ICMP/ICMPv6 echo; prints "received R/N"
  probe.py serve PORT [PORT..] [--v6]   TCP servers that answer "hello"; run until killed
  probe.py connect ADDR PORT [--bind A] one TCP connection; prints "connected"/"refused"/"timeout"
  probe.py events FILE [--count F=V..]  decode `bpftool map event_pipe` output, one line an event
  probe.py u64 PINNED_MAP OFFSET KEYHEX..  a u64 of a map value (summed over CPUs), 0 if absent
  probe.py btfcheck OBJ [OBJ..]         compare struct sizes/offsets in the objects' BTF with LAYOUTS
"""
import argparse
import ipaddress
import json
import os
import re
import select
import socket
import struct
import subprocess
import sys
import time

# The documented layouts (bpf/README.md): struct -> (size, [(field, offset)]). Checked against BTF.
LAYOUTS = {
    "lpm_v4_key": (8, [("prefixlen", 0), ("addr", 4)]),
    "lpm_v6_key": (20, [("prefixlen", 0), ("addr", 4)]),
    "lpm_val": (1, [("flags", 0)]),
    "in6_addr": (16, []),
    "metrics_value": (16, [("packets", 0), ("bytes", 8)]),
    "notify_budget": (16, [("window_start_ns", 0), ("sent", 8), ("suppressed", 12)]),
    "ipcache_key": (24, [("prefixlen", 0), ("pad", 4), ("family", 7), ("addr", 8)]),
    "ipcache_value": (12, [("identity", 0), ("node_addr", 4), ("flags", 8), ("pad", 9)]),
    "endpoint_key": (20, [("addr", 0), ("family", 16), ("pad", 17)]),
    "endpoint_info": (24, [("ifindex", 0), ("lxc_id", 4), ("pad", 6), ("flags", 8), ("mac", 12),
                           ("node_mac", 18)]),
    "policy_key": (8, [("identity", 0), ("dport", 4), ("protocol", 6), ("direction", 7)]),
    "policy_entry": (24, [("flags", 0), ("pad", 1), ("packets", 8), ("bytes", 16)]),
    "ct4_key": (16, [("saddr", 0), ("daddr", 4), ("sport", 8), ("dport", 10), ("protocol", 12),
                     ("direction", 13), ("pad", 14)]),
    "ct6_key": (40, [("saddr", 0), ("daddr", 16), ("sport", 32), ("dport", 34), ("protocol", 36),
                     ("direction", 37), ("pad", 38)]),
    "ct_entry": (32, [("expires_ns", 0), ("packets", 8), ("bytes", 16), ("peer_identity", 24),
                      ("flags", 28), ("tcp_flags_seen", 30), ("pad", 31)]),
    "notify_hdr": (8, [("type", 0), ("subtype", 1), ("source", 2), ("len", 4)]),
    "drop_notify": (64, [("hdr", 0), ("src_identity", 8), ("dst_identity", 12), ("ifindex", 16),
                         ("orig_len", 20), ("saddr", 24), ("daddr", 40), ("sport", 56), ("dport", 58),
                         ("protocol", 60), ("direction", 61), ("family", 62), ("pad", 63)]),
    "policy_verdict_notify": (64, [("hdr", 0), ("local_identity", 8), ("remote_identity", 12),
                                   ("verdict", 16), ("ifindex", 20), ("saddr", 24), ("daddr", 40),
                                   ("sport", 56), ("dport", 58), ("protocol", 60), ("direction", 61),
                                   ("family", 62), ("match_type", 63)]),
}

REASONS = {0: "forwarded", 132: "invalid-source-ip", 133: "policy-denied", 134: "invalid-packet",
           135: "ct-invalid-header", 137: "ct-unknown-proto", 139: "unsupported-l3",
           155: "ct-create-failed", 157: "fragment", 181: "policy-deny-rule", 240: "prefilter"}
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


def decode_event(raw):
    if len(raw) < 8:
        return None
    typ, sub, source, length = struct.unpack_from("<BBHI", raw, 0)
    if length != 64 or len(raw) < 64:
        return {"type": typ, "len": length}
    fam = raw[62]

    def addr(off):
        if fam == 1:
            return str(ipaddress.IPv4Address(raw[off:off + 4]))
        if fam == 2:
            return str(ipaddress.IPv6Address(raw[off:off + 16]))
        return "-"
    sport, dport, proto, direction = struct.unpack_from("<HHBB", raw, 56)
    ev = {"source": source, "saddr": addr(24), "daddr": addr(40), "sport": sport, "dport": dport,
          "proto": PROTOS.get(proto, proto), "dir": DIRS.get(direction, direction)}
    if typ == 1:
        src_id, dst_id, ifindex, orig_len = struct.unpack_from("<IIII", raw, 8)
        ev.update(type="drop", reason=sub, reason_name=REASONS.get(sub, "?"), src_identity=src_id,
                  dst_identity=dst_id, ifindex=ifindex, orig_len=orig_len)
    elif typ == 5:
        local, remote, verdict, ifindex = struct.unpack_from("<IIiI", raw, 8)
        ev.update(type="policy-verdict", local_identity=local, remote_identity=remote, verdict=verdict,
                  ifindex=ifindex, match=MATCHES.get(raw[63], raw[63]))
    else:
        ev.update(type=typ)
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
    decoded = [decode_event(bytes(raw)) for raw in events]
    if a.count is not None:
        want = dict(kv.split("=", 1) for kv in a.count)
        print(sum(1 for ev in decoded if ev and all(str(ev.get(k)) == v for k, v in want.items())))
        return
    for ev in decoded:
        print(json.dumps(ev, sort_keys=False))


def cmd_u64(a):
    """The u64 at byte OFFSET of the value under KEY (hex bytes), summed over CPUs; 0 if absent."""
    out = subprocess.run(["bpftool", "-j", "map", "lookup", "pinned", a.map, "key", "hex"] + a.key,
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(0)
        return
    doc = json.loads(out.stdout)
    values = [v["value"] for v in doc["values"]] if "values" in doc else [doc["value"]]
    total = 0
    for v in values:
        raw = bytes(int(x, 16) for x in v)
        total += struct.unpack_from("<Q", raw, a.offset)[0]
    print(total)


def cmd_btfcheck(a):
    bad = 0
    for obj in a.objects:
        out = subprocess.run(["bpftool", "btf", "dump", "file", obj, "-j"], check=True,
                             capture_output=True, text=True).stdout
        types = {t["name"]: t for t in json.loads(out)["types"] if t.get("kind") == "STRUCT"}
        for name, (size, fields) in LAYOUTS.items():
            t = types.get(name)
            if t is None:
                continue
            got = {m["name"]: m["bits_offset"] // 8 for m in t["members"]}
            problems = []
            if t["size"] != size:
                problems.append(f"size {t['size']} != {size}")
            for field, off in fields:
                if got.get(field) != off:
                    problems.append(f"{field} at {got.get(field)} != {off}")
            expected = {f for f, _ in fields}
            if fields and set(got) != expected:
                problems.append(f"fields {sorted(got)} != {sorted(expected)}")
            status = "ok" if not problems else "MISMATCH " + "; ".join(problems)
            bad += bool(problems)
            print(f"{os.path.basename(obj)}: struct {name} size {t['size']}: {status}")
    sys.exit(1 if bad else 0)


def main():
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
    e.add_argument("file")
    e.add_argument("--count", nargs="*", metavar="FIELD=VALUE",
                   help="print only the number of events whose fields all equal these values")
    u = sub.add_parser("u64")
    u.add_argument("map")
    u.add_argument("offset", type=int)
    u.add_argument("key", nargs="+")
    b = sub.add_parser("btfcheck")
    b.add_argument("objects", nargs="+")
    a = p.parse_args()
    {"frame": cmd_frame, "ping": cmd_ping, "serve": cmd_serve, "connect": cmd_connect,
     "events": cmd_events, "u64": cmd_u64, "btfcheck": cmd_btfcheck}[a.cmd](a)


if __name__ == "__main__":
    main()
