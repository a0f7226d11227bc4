#!/usr/bin/env bash
# bpf/test/smoke.sh — the BPF programs against the real kernel, by hand, before any Java loader exists.
#
#   1. compile bpf_xdp.c and bpf_lxc.c with the example generated headers (bpf/test/include/);
#   2. show the shared structs in the objects' BTF (the Java declarations are checked against it by the
#      datapath tests; this script reads every layout it needs from the BTF, through probe.py);
#   3. load both with `bpftool prog loadall` (the verifier must accept them); bpf_lxc reuses the
#      events and metrics maps of bpf_xdp, as the agent's loader will;
#   4. prefilter through BPF_PROG_TEST_RUN: VLAN tags, IPv4/IPv6, fixed and LPM maps, truncated
#      headers, the notification budget;
#   5. prefilter with real packets: two namespaces and a veth pair, XDP (generic) on the receiver;
#   6. bpf_lxc with real packets: tc on the host-side veth; conntrack, ipcache, policy, events.
#
# Needs root, clang, bpftool, iproute2 (ip, tc), nsenter, python3. Creates only namespaces, veths and
# pins named mbrh-*, and removes them on exit (and any left over from an earlier run first).
# Prints PASS/FAIL per check and ends with "N passed, M failed"; exit status 1 if anything failed.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PYTHON=$(python3 -c 'import sys; print(sys.executable)')	# the real binary, not a pyenv shim
PROBE="$PYTHON $HERE/probe.py"

PIN=/sys/fs/bpf/mbrh-smoke
XDP_MAPS=$PIN/xdp/maps
LXC_MAPS=$PIN/lxc/maps
NS_EP=mbrh-ep			# the endpoint ("container")
NS_HOST=mbrh-host		# the node side of the endpoint's veth
VETH_EP=mbrh-ep0		# in NS_EP, 10.211.0.2 / 2001:db8:211::2
VETH_HOST=mbrh-eph		# in NS_HOST, 10.211.0.1 / 2001:db8:211::1
EP_IP=10.211.0.2
HOST_IP=10.211.0.1
EP_IP6=2001:db8:211::2
HOST_IP6=2001:db8:211::1
HOST_IDENTITY=1000		# what the ipcache says about HOST_IP
SECLABEL=1042			# bpf/test/include/ep_config.h
POLICY=$LXC_MAPS/mbr_pol_00042

BUILD=""
PIDS=()
PASSED=0
FAILED=0

# ---------------------------------------------------------------------------------------------------
cleanup() {
	local pid ns
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	PIDS=()
	for ns in "$NS_EP" "$NS_HOST"; do
		[[ -e /run/netns/$ns ]] || continue
		# only this script starts processes in these namespaces (servers of an interrupted run)
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
		ip netns del "$ns"	# takes the veth pair and its XDP and tc programs with it
	done
	rm -rf "$PIN"
	[[ -n "$BUILD" ]] && rm -rf "$BUILD"
	return 0
}

pass() { echo "PASS $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); }
section() { echo; echo "=== $*"; }

# expect WHAT WANT GOT
expect() {
	if [[ "$3" == "$2" ]]; then pass "$1 ($3)"; else fail "$1: want '$2', got '$3'"; fi
}
# expect_ge WHAT MIN GOT
expect_ge() {
	if [[ "$3" -ge "$2" ]]; then pass "$1 ($3 >= $2)"; else fail "$1: want >= $2, got $3"; fi
}
# expect_between WHAT MIN MAX GOT
expect_between() {
	if [[ "$4" -ge "$2" && "$4" -le "$3" ]]; then pass "$1 ($4 in $2..$3)"; else fail "$1: want $2..$3, got $4"; fi
}

in_ep() { ip netns exec "$NS_EP" "$@"; }
# bg_in NS CMD..: start CMD in NS in the background; its pid (ip netns exec execs CMD) goes to PIDS.
bg_in() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" >>"$BUILD/background.log" 2>&1 &
	PIDS+=($!)
}
in_host() { ip netns exec "$NS_HOST" "$@"; }
# ip/tc that must see bpffs: enter only the network namespace (ip netns exec remounts /sys).
net_host() { nsenter --net=/run/netns/"$NS_HOST" "$@"; }

# Hex byte strings for bpftool keys and values; structs are encoded from the objects' BTF.
u8() { printf '%02x' "$1"; }
ip4hex() { local IFS=.; set -- $1; printf '%02x %02x %02x %02x' "$1" "$2" "$3" "$4"; }
ip6hex() { python3 -c 'import ipaddress,sys; print(" ".join("%02x" % b for b in ipaddress.ip_address(sys.argv[1]).packed))' "$1"; }
xdp_struct() { $PROBE encode "$BUILD/bpf_xdp.o" "$@"; }	# xdp_struct STRUCT FIELD=VALUE..
lxc_struct() { $PROBE encode "$BUILD/bpf_lxc.o" "$@"; }

metrics_key() { local i=$(( ($2 << 8) | $1 )); echo "$(u8 $((i & 255))) $(u8 $((i >> 8))) 00 00"; }	# reason dir -> array slot
metric_packets() { $PROBE u64 "$XDP_MAPS/mbr_metrics" packets $(metrics_key "$1" "$2"); }

# policy_key IDENTITY DPORT PROTO DIR
policy_key() { lxc_struct policy_key identity="$1" dport="$2" protocol="$3" direction="$4"; }
# policy_put IDENTITY DPORT PROTO DIR allow|deny
policy_put() {
	local flags=0
	[[ "$5" == deny ]] && flags=1
	bpftool map update pinned "$POLICY" key hex $(policy_key "$1" "$2" "$3" "$4") \
		value hex $(lxc_struct policy_entry flags=$flags)
}
policy_packets() { $PROBE u64 "$POLICY" packets $(policy_key "$1" "$2" "$3" "$4"); }

# ipcache_put ADDR/LEN IDENTITY
ipcache_put() {
	local addr=${1%/*} len=${1#*/} family=1
	[[ "$addr" == *:* ]] && family=2
	bpftool map update pinned "$LXC_MAPS/mbr_ipcache" \
		key hex $(lxc_struct ipcache_key prefixlen=$((32 + len)) family=$family addr="$addr") \
		value hex $(lxc_struct ipcache_value identity="$2")
}

xdp_run() {	# xdp_run FRAME -> XDP return code (1 drop, 2 pass)
	bpftool prog run pinned "$PIN/xdp/progs/xdp_prefilter" data_in "$1" ${2:+repeat $2} |
		sed -n 's/^Return value: \([0-9]*\).*/\1/p'
}

EVENTS_PID=""
events_start() {	# events_start FILE: capture notifications until events_stop
	bpftool map event_pipe pinned "$XDP_MAPS/mbr_events" >"$1" 2>>"$BUILD/background.log" &
	EVENTS_PID=$!
	PIDS+=("$EVENTS_PID")
	sleep 0.5
}
events_stop() {
	sleep 0.3
	kill -INT "$EVENTS_PID" 2>/dev/null
	wait "$EVENTS_PID" 2>/dev/null
}
events_count() { local f=$1; shift; $PROBE events "$BUILD/bpf_lxc.o" "$f" --count "$@"; }

# ---------------------------------------------------------------------------------------------------
if [[ $EUID -ne 0 ]]; then
	echo "smoke.sh: needs root (BPF, namespaces)" >&2
	exit 2
fi
for tool in clang bpftool ip tc nsenter python3; do
	command -v "$tool" >/dev/null || { echo "smoke.sh: missing $tool" >&2; exit 2; }
done
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

cleanup
trap cleanup EXIT
BUILD=$(mktemp -d /tmp/mbrh-smoke.XXXXXX)

# ---------------------------------------------------------------------------------------------------
section "1. compile"
cd "$REPO"
for prog in bpf_xdp bpf_lxc; do
	cmd="clang -O2 -g -target bpf -mcpu=v3 -I/usr/include/$(uname -m)-linux-gnu -I bpf/lib -I bpf/test/include -c bpf/$prog.c -o $BUILD/$prog.o"
	echo "\$ $cmd"
	if $cmd; then pass "compile $prog.c"; else fail "compile $prog.c"; exit 1; fi
done

section "2. BTF layouts (the shared structs and drop reasons as compiled)"
bpftool btf dump file "$BUILD/bpf_lxc.o" | grep -E "^\[[0-9]+\] STRUCT '(ct|ipcache|endpoint|policy|drop|notify)"
reasons=$(bpftool btf dump file "$BUILD/bpf_xdp.o" | grep -c "^	'\(DROP\|REASON\)_")
expect_ge "enum drop_reason in bpf_xdp.o's BTF" 11 "$reasons"

section "3. load (verifier)"
mkdir -p "$PIN/xdp" "$PIN/lxc"
if bpftool prog loadall "$BUILD/bpf_xdp.o" "$PIN/xdp/progs" pinmaps "$XDP_MAPS"; then
	pass "bpf_xdp.o loaded: $(ls "$PIN/xdp/progs" | tr '\n' ' ')"
else
	fail "bpf_xdp.o rejected"; exit 1
fi
# The agent owns the global maps; here bpf_xdp created them and bpf_lxc reuses them.
if bpftool prog loadall "$BUILD/bpf_lxc.o" "$PIN/lxc/progs" \
	map name mbr_events pinned "$XDP_MAPS/mbr_events" \
	map name mbr_metrics pinned "$XDP_MAPS/mbr_metrics" \
	pinmaps "$LXC_MAPS"; then
	pass "bpf_lxc.o loaded: $(ls "$PIN/lxc/progs" | tr '\n' ' ')"
else
	fail "bpf_lxc.o rejected"; exit 1
fi
bpftool prog show pinned "$PIN/xdp/progs/xdp_prefilter" | head -1
bpftool prog show pinned "$PIN/lxc/progs/from_container" | head -1
bpftool prog show pinned "$PIN/lxc/progs/to_container" | head -1
xdp_metrics_id=$(bpftool map show pinned "$XDP_MAPS/mbr_metrics" | head -1 | cut -d: -f1)
lxc_metrics_id=$(bpftool map show pinned "$LXC_MAPS/mbr_metrics" | head -1 | cut -d: -f1)
expect "bpf_lxc shares bpf_xdp's metrics map (map id)" "$xdp_metrics_id" "$lxc_metrics_id"

echo "-- feature variants: IPv4 only, IPv6 only (each must compile and pass the verifier)"
for variant in v4only v6only; do
	inc=$BUILD/include-$variant
	mkdir -p "$inc"
	cp "$HERE"/include/*.h "$inc"/
	if [[ $variant == v4only ]]; then
		sed -i '/ENABLE_IPV6/d' "$inc/node_config.h"
		sed -i '/LXC_IPV6/d' "$inc/ep_config.h"
	else
		sed -i '/ENABLE_IPV4/d; /NODE_IPV4/d' "$inc/node_config.h"
	fi
	for prog in bpf_xdp bpf_lxc; do
		obj=$BUILD/$prog-$variant.o
		if clang -O2 -g -target bpf -mcpu=v3 -I/usr/include/$(uname -m)-linux-gnu -I bpf/lib -I "$inc" -c bpf/$prog.c -o "$obj" &&
			bpftool prog loadall "$obj" "$PIN/$variant-$prog" pinmaps "$PIN/$variant-$prog-maps"; then
			pass "$prog.c $variant: compiled and loaded"
		else
			fail "$prog.c $variant"
		fi
		rm -rf "$PIN/$variant-$prog" "$PIN/$variant-$prog-maps"
	done
done

# ---------------------------------------------------------------------------------------------------
section "4. prefilter through BPF_PROG_TEST_RUN (1 = XDP_DROP, 2 = XDP_PASS)"
F=$BUILD/frame
DYN4=$XDP_MAPS/mbr_cidr4_dyn
FIX4=$XDP_MAPS/mbr_cidr4_fix
DYN6=$XDP_MAPS/mbr_cidr6_dyn
FIX6=$XDP_MAPS/mbr_cidr6_fix

$PROBE frame "$F" --src 203.0.113.7;                        expect "v4 203.0.113.7, empty maps: pass" 2 "$(xdp_run "$F")"
bpftool map update pinned "$DYN4" key hex $(xdp_struct lpm_v4_key prefixlen=24 addr=203.0.113.0) value hex 01
$PROBE frame "$F" --src 203.0.113.7;                        expect "v4 203.0.113.7 in dyn 203.0.113.0/24: drop" 1 "$(xdp_run "$F")"
$PROBE frame "$F" --src 203.0.114.7;                        expect "v4 203.0.114.7 outside /24: pass" 2 "$(xdp_run "$F")"
$PROBE frame "$F" --src 203.0.113.7 --vlan 1;               expect "802.1Q tagged: drop" 1 "$(xdp_run "$F")"
$PROBE frame "$F" --src 203.0.113.7 --vlan 2;               expect "802.1ad+802.1Q (QinQ): drop" 1 "$(xdp_run "$F")"
$PROBE frame "$F" --src 203.0.113.7 --vlan 3;               expect "three tags (not parsed): pass" 2 "$(xdp_run "$F")"
$PROBE frame "$F" --src 203.0.113.7 --proto icmp;           expect "ICMP from a denied /24: drop" 1 "$(xdp_run "$F")"
bpftool map update pinned "$FIX4" key hex $(ip4hex 198.51.100.9) value hex 01
$PROBE frame "$F" --src 198.51.100.9 --proto udp;           expect "v4 198.51.100.9 in fix map: drop" 1 "$(xdp_run "$F")"
$PROBE frame "$F" --src 198.51.100.10 --proto udp;          expect "v4 198.51.100.10 not in fix map: pass" 2 "$(xdp_run "$F")"
$PROBE frame "$F" --arp;                                    expect "ARP: pass" 2 "$(xdp_run "$F")"
invalid_before=$(metric_packets 134 1)
$PROBE frame "$F" --truncate-ip;                            expect "IPv4 header cut at 10 bytes: drop" 1 "$(xdp_run "$F")"
expect "truncated header counted as DROP_INVALID (134, ingress)" $((invalid_before + 1)) "$(metric_packets 134 1)"
$PROBE frame "$F" --src 2001:db8:bad::1 --dst $EP_IP6;      expect "v6 2001:db8:bad::1, empty v6 maps: pass" 2 "$(xdp_run "$F")"
bpftool map update pinned "$DYN6" key hex $(xdp_struct lpm_v6_key prefixlen=48 addr=2001:db8:bad::) value hex 01
$PROBE frame "$F" --src 2001:db8:bad::1 --dst $EP_IP6;      expect "v6 in dyn 2001:db8:bad::/48: drop" 1 "$(xdp_run "$F")"
$PROBE frame "$F" --src 2001:db8:bad::1 --dst $EP_IP6 --hop-by-hop --vlan 1
expect "v6 with hop-by-hop header, 802.1Q: drop" 1 "$(xdp_run "$F")"
bpftool map update pinned "$FIX6" key hex $(ip6hex 2001:db8:1::9) value hex 01
$PROBE frame "$F" --src 2001:db8:1::9 --dst $EP_IP6;        expect "v6 2001:db8:1::9 in fix map: drop" 1 "$(xdp_run "$F")"
$PROBE frame "$F" --src 2001:db8:1::a --dst $EP_IP6;        expect "v6 2001:db8:1::a: pass" 2 "$(xdp_run "$F")"
$PROBE frame "$F" --src 2001:db8:bad::1 --dst $EP_IP6 --truncate-ip
expect "IPv6 header cut at 10 bytes: drop" 1 "$(xdp_run "$F")"

echo "-- notification budget: 200 drops in one run, PREFILTER_NOTIFY_BUDGET=5 per CPU per second"
budget=$(sed -n 's/^#define PREFILTER_NOTIFY_BUDGET[[:space:]]*\([0-9]*\).*/\1/p' "$HERE/include/node_config.h")
$PROBE frame "$F" --src 203.0.113.50 --dport 443
before=$(metric_packets 240 1)
events_start "$BUILD/events-budget.txt"
expect "200 runs: drop" 1 "$(xdp_run "$F" 200)"
events_stop
expect "metrics count all 200 prefilter drops" $((before + 200)) "$(metric_packets 240 1)"
notified=$(events_count "$BUILD/events-budget.txt" type=drop reason=240 saddr=203.0.113.50 dport=443)
expect_between "notifications limited by the budget" 1 $((2 * budget)) "$notified"
$PROBE events "$BUILD/bpf_lxc.o" "$BUILD/events-budget.txt" | head -1
bpftool map dump pinned "$XDP_MAPS/mbr_notify_bdgt" | tr -d ' \n' | sed 's/},{/},\n{/g'; echo

# ---------------------------------------------------------------------------------------------------
section "5. prefilter with real packets ($NS_EP -> $NS_HOST, XDP generic on $VETH_HOST)"
ip netns add "$NS_EP"
ip netns add "$NS_HOST"
ip link add "$VETH_EP" netns "$NS_EP" type veth peer name "$VETH_HOST" netns "$NS_HOST"
in_ep ip link set lo up
in_host ip link set lo up
in_ep ip addr add $EP_IP/24 dev "$VETH_EP"
in_host ip addr add $HOST_IP/24 dev "$VETH_HOST"
in_ep ip -6 addr add $EP_IP6/64 dev "$VETH_EP" nodad
in_host ip -6 addr add $HOST_IP6/64 dev "$VETH_HOST" nodad
in_ep ip link set "$VETH_EP" up
in_host ip link set "$VETH_HOST" up

net_host ip link set dev "$VETH_HOST" xdpgeneric pinned "$PIN/xdp/progs/xdp_prefilter"
net_host ip link show dev "$VETH_HOST" | grep -o 'xdpgeneric.*'
expect "ping $EP_IP -> $HOST_IP, no entry" "received 3/3" "$(in_ep $PROBE ping $HOST_IP --count 3)"
before=$(metric_packets 240 1)
bpftool map update pinned "$DYN4" key hex $(xdp_struct lpm_v4_key prefixlen=32 addr=$EP_IP) value hex 01
echo "\$ bpftool map dump pinned $DYN4"
bpftool map dump pinned "$DYN4"
events_start "$BUILD/events-xdp.txt"
expect "ping with $EP_IP/32 in the LPM map" "received 0/3" "$(in_ep $PROBE ping $HOST_IP --count 3)"
events_stop
expect_ge "prefilter drops counted in metrics" $((before + 3)) "$(metric_packets 240 1)"
expect_ge "prefilter drop notifications for the pings" 3 \
	"$(events_count "$BUILD/events-xdp.txt" type=drop reason=240 saddr=$EP_IP daddr=$HOST_IP proto=icmp)"
$PROBE events "$BUILD/bpf_lxc.o" "$BUILD/events-xdp.txt" | head -2
echo "\$ bpftool map dump pinned $XDP_MAPS/mbr_metrics (reason 240 = prefilter, 134 = invalid; dir 1 = ingress)"
bpftool -j map dump pinned "$XDP_MAPS/mbr_metrics" | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    f = e["formatted"]
    tot = [sum(v["value"][k] for v in f["values"]) for k in ("packets", "bytes")]
    if tot[0]:
        print("  reason %3d dir %d: packets %d bytes %d" % (f["key"] & 255, f["key"] >> 8, *tot))'
bpftool map delete pinned "$DYN4" key hex $(xdp_struct lpm_v4_key prefixlen=32 addr=$EP_IP)
expect "ping after deleting the entry" "received 3/3" "$(in_ep $PROBE ping $HOST_IP --count 3)"
net_host ip link set dev "$VETH_HOST" xdpgeneric off

# ---------------------------------------------------------------------------------------------------
section "6. bpf_lxc with real packets (tc on $VETH_HOST: ingress from_container, egress to_container)"
net_host tc qdisc add dev "$VETH_HOST" clsact
net_host tc filter add dev "$VETH_HOST" ingress bpf da pinned "$PIN/lxc/progs/from_container"
net_host tc filter add dev "$VETH_HOST" egress bpf da pinned "$PIN/lxc/progs/to_container"
net_host tc filter show dev "$VETH_HOST" ingress | grep -o 'from_container.*'
net_host tc filter show dev "$VETH_HOST" egress | grep -o 'to_container.*'
ipcache_put $HOST_IP/32 $HOST_IDENTITY
ipcache_put $HOST_IP6/128 $HOST_IDENTITY

bg_in "$NS_EP" $PROBE serve 8080 9090 --v6
bg_in "$NS_HOST" $PROBE serve 7070
sleep 0.5

events_start "$BUILD/events-lxc.txt"
echo "-- empty policy map: everything denied"
expect "host -> ep tcp/8080, empty policy" timeout "$(in_host $PROBE connect $EP_IP 8080 --timeout 1)"

echo "-- allow ingress (identity $HOST_IDENTITY, tcp/8080)"
policy_put $HOST_IDENTITY 8080 6 1 allow
expect "host -> ep tcp/8080 allowed" "connected: hello from 8080" "$(in_host $PROBE connect $EP_IP 8080)"
expect "host -> ep tcp/9090 not allowed" timeout "$(in_host $PROBE connect $EP_IP 9090 --timeout 1)"
expect "host -> ep ICMP not allowed" "received 0/2" "$(in_host $PROBE ping $EP_IP --count 2)"
expect "ep -> host tcp/7070, no egress entry" timeout "$(in_ep $PROBE connect $HOST_IP 7070 --timeout 1)"

echo "-- allow egress to any peer on tcp/7070 (L4 entry, identity 0)"
policy_put 0 7070 6 2 allow
expect "ep -> host tcp/7070 allowed" "connected: hello from 7070" "$(in_ep $PROBE connect $HOST_IP 7070)"

echo "-- allow ingress from identity $HOST_IDENTITY on anything (L3), deny its tcp/9090"
policy_put $HOST_IDENTITY 0 0 1 allow
policy_put $HOST_IDENTITY 9090 6 1 deny
expect "host -> ep ICMP allowed (echo replies pass by conntrack)" "received 3/3" "$(in_host $PROBE ping $EP_IP --count 3)"
expect "ep -> host ICMP: no egress entry" "received 0/2" "$(in_ep $PROBE ping $HOST_IP --count 2)"
expect "host -> ep tcp/9090 denied by the deny entry" timeout "$(in_host $PROBE connect $EP_IP 9090 --timeout 1)"
expect "host -> ep tcp/8080 still allowed" "connected: hello from 8080" "$(in_host $PROBE connect $EP_IP 8080)"

echo "-- IPv6 (ipcache $HOST_IP6/128 -> $HOST_IDENTITY; neighbour discovery passes)"
expect "host -> ep [v6]:8080 allowed" "connected: hello from 8080" "$(in_host $PROBE connect $EP_IP6 8080)"
expect "host -> ep [v6]:9090 denied" timeout "$(in_host $PROBE connect $EP_IP6 9090 --timeout 1)"
expect "host -> ep ICMPv6 allowed (L3)" "received 2/2" "$(in_host $PROBE ping $EP_IP6 --count 2)"

echo "-- source address verification"
in_ep ip addr add 10.211.0.99/24 dev "$VETH_EP"
expect "ep -> host tcp/7070 from 10.211.0.99 (not LXC_IPV4)" timeout \
	"$(in_ep $PROBE connect $HOST_IP 7070 --bind 10.211.0.99 --timeout 1)"
events_stop

E=$BUILD/events-lxc.txt
echo "-- notifications (decoded from bpftool map event_pipe)"
expect_ge "policy verdict: allow tcp/8080 ingress, match L3-L4, identities" 1 \
	"$(events_count "$E" type=policy-verdict verdict=0 dport=8080 dir=ingress match=L3-L4 local_identity=$SECLABEL remote_identity=$HOST_IDENTITY source=42)"
expect_ge "policy verdict: allow tcp/7070 egress, match L4" 1 \
	"$(events_count "$E" type=policy-verdict verdict=0 dport=7070 dir=egress match=L4)"
expect_ge "policy verdict: allow ICMP ingress, match L3" 1 \
	"$(events_count "$E" type=policy-verdict proto=icmp dir=ingress match=L3)"
expect_ge "drop 133 tcp/9090 ingress, src $HOST_IDENTITY -> dst $SECLABEL" 1 \
	"$(events_count "$E" type=drop reason=133 dport=9090 dir=ingress src_identity=$HOST_IDENTITY dst_identity=$SECLABEL)"
expect_ge "drop 133 ICMP ingress" 1 "$(events_count "$E" type=drop reason=133 proto=icmp dir=ingress)"
expect_ge "drop 133 tcp/7070 egress, src $SECLABEL -> dst $HOST_IDENTITY" 1 \
	"$(events_count "$E" type=drop reason=133 dport=7070 dir=egress src_identity=$SECLABEL dst_identity=$HOST_IDENTITY)"
expect_ge "drop 181 (deny entry) tcp/9090 ingress" 1 "$(events_count "$E" type=drop reason=181 dport=9090)"
expect_ge "drop 181 tcp/9090 over IPv6" 1 "$(events_count "$E" type=drop reason=181 dport=9090 daddr=$EP_IP6)"
expect_ge "drop 132 spoofed source 10.211.0.99" 1 "$(events_count "$E" type=drop reason=132 saddr=10.211.0.99)"
expect "no verdict for tcp/9090 (denied flows get drop notifications only)" 0 \
	"$(events_count "$E" type=policy-verdict dport=9090)"
$PROBE events "$BUILD/bpf_lxc.o" "$E" | grep -E '"dport": (8080|9090)' | head -3

echo "-- counters"
expect_ge "policy entry ($HOST_IDENTITY, 8080, tcp, ingress) counted new flows" 3 "$(policy_packets $HOST_IDENTITY 8080 6 1)"
expect_ge "policy entry ($HOST_IDENTITY, 9090, tcp, ingress, deny) counted drops" 2 "$(policy_packets $HOST_IDENTITY 9090 6 1)"
expect_ge "metrics: forwarded ingress" 10 "$(metric_packets 0 1)"
expect_ge "metrics: forwarded egress" 10 "$(metric_packets 0 2)"
expect_ge "metrics: 133 ingress" 3 "$(metric_packets 133 1)"
expect_ge "metrics: 181 ingress" 2 "$(metric_packets 181 1)"
echo "\$ bpftool map dump pinned $POLICY"
bpftool -j map dump pinned "$POLICY" | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    k, v = e["formatted"]["key"], e["formatted"]["value"]
    print("  identity %5d dport %5d proto %2d dir %d -> flags %d packets %d bytes %d" % (
        k["identity"], int.from_bytes(int(k["dport"]).to_bytes(2, "little"), "big"), k["protocol"],
        k["direction"], v["flags"], v["packets"], v["bytes"]))'
echo "\$ bpftool map dump pinned $LXC_MAPS/mbr_ct4 (first entries)"
bpftool -j map dump pinned "$LXC_MAPS/mbr_ct4" | python3 -c '
import ipaddress, json, sys
for e in json.load(sys.stdin)[:6]:
    k, v = e["formatted"]["key"], e["formatted"]["value"]
    a = lambda n: ipaddress.IPv4Address(int(n).to_bytes(4, "little"))
    p = lambda n: int.from_bytes(int(n).to_bytes(2, "little"), "big")
    print("  %s:%d -> %s:%d proto %d dir %d | packets %d flags %d tcp_flags 0x%02x peer %d" % (
        a(k["saddr"]), p(k["sport"]), a(k["daddr"]), p(k["dport"]), k["protocol"], k["direction"],
        v["packets"], v["flags"], v["tcp_flags_seen"], v["peer_identity"]))'

# ---------------------------------------------------------------------------------------------------
echo
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
