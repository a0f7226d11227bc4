// SPDX-License-Identifier: GPL-2.0
/* bpf_lxc.c — policy enforcement on the host side of one endpoint's veth.
 *
 *   from_container  tc ingress of the host-side veth: what the endpoint sends  -> its egress policy
 *   to_container    tc egress of the host-side veth:  what the endpoint receives -> its ingress policy
 *
 * For each IP packet: conntrack first (a packet of a known flow, either way, passes); otherwise the
 * peer's identity from the ipcache (miss = WORLD), then the endpoint's policy map (lib/policy.h: deny
 * wins, no match denies). An allowed new flow gets a CT entry and one policy-verdict notification; a
 * dropped packet gets a drop notification with both identities. Every packet is counted in
 * METRICS_MAP under (reason, direction), reason 0 for forwarded. Frames that are not IP (ARP) pass;
 * ICMPv6 neighbour discovery passes without policy. The frame is never modified.
 *
 * Generated headers (written by the agent; examples in bpf/test/include/, contract in bpf/README.md):
 *   node_config.h  EVENTS_MAP, METRICS_MAP, IPCACHE_MAP, LXC_MAP, CT4_MAP, CT6_MAP (+ *_SIZE),
 *                  NODE_IPV4, ENABLE_IPV4, ENABLE_IPV6
 *   ep_config.h    POLICY_MAP, POLICY_MAP_SIZE: the shape every endpoint shares, not one endpoint
 * One endpoint's own values are constants set before each load (EP_CONFIG below), and its policy map is
 * bound to POLICY_MAP by fd: one compiled object serves every endpoint (Cilium's template path).
 *
 * Build: clang -O2 -g -target bpf -mcpu=v3 -I/usr/include/$(uname -m)-linux-gnu -I bpf/lib -I <generated dir> -c bpf/bpf_lxc.c
 */
#include "common.h"

#include "node_config.h"
#include "ep_config.h"

#include "conntrack.h"
#include "drop_reasons.h"
#include "events.h"
#include "ipcache.h"
#include "maps.h"
#include "metrics.h"
#include "packet.h"
#include "policy.h"

#if !defined(POLICY_MAP) || !defined(POLICY_MAP_SIZE)
#error "ep_config.h must define POLICY_MAP and POLICY_MAP_SIZE"
#endif
#if !defined(LXC_MAP) || !defined(LXC_MAP_SIZE)
#error "node_config.h must define LXC_MAP and LXC_MAP_SIZE"
#endif

/* The endpoint this copy of the object was loaded for, set by the agent before load. It lives in
 * .rodata, which the kernel freezes at load: the verifier then knows the values and folds every test
 * on them, so a constant costs what a #define did. Left unset (all zero) the program drops everything
 * an endpoint sends: no address matches. */
struct ep_config {      /* 32 B */
	__u32 lxc_id;   /* endpoint id (u16 range; notify_hdr.source) */
	__u32 ifindex;  /* host-side veth (reserved for local delivery) */
	__u32 seclabel; /* the endpoint's security identity */
	__be32 ipv4;    /* its IPv4; from_container drops other IPv4 sources (132) */
	__u8 ipv6[16];  /* its IPv6, all zero for none; the same check (fe80::/10 exempt) */
};
_Static_assert(sizeof(struct ep_config) == 32, "ep_config");

#ifdef EP_CONFIG_DEFAULT /* only bpf/test's example header: for bpftool, which sets no constants */
const volatile struct ep_config EP_CONFIG = EP_CONFIG_DEFAULT;
#else
const volatile struct ep_config EP_CONFIG = {};
#endif

#define LXC_ID   ((__u16)EP_CONFIG.lxc_id)
#define SECLABEL (EP_CONFIG.seclabel)

/* The endpoint's policy: its own map (membrane_policy_<id>), bound to this definition by fd. */
HASH_MAP_NO_PREALLOC(POLICY_MAP, struct policy_key, struct policy_entry, POLICY_MAP_SIZE);

/* Local endpoints. Not read yet (local delivery comes with bpf_host); declared so the object carries
 * the layout of endpoint_key/endpoint_info for the agent's BTF check. */
HASH_MAP_NO_PREALLOC(LXC_MAP, struct endpoint_key, struct endpoint_info, LXC_MAP_SIZE);

static __always_inline int pass(struct packet *pkt)
{
	metrics_count(REASON_FORWARDED, pkt->direction, pkt->len);
	return TC_ACT_OK;
}

static __always_inline int drop(struct __sk_buff *ctx, struct packet *pkt, __u8 reason)
{
	metrics_count(reason, pkt->direction, pkt->len);
	send_drop_notify(ctx, pkt, reason);
	return TC_ACT_SHOT;
}

/* Makes the first `want` bytes directly readable; a no-op when they already are. */
static __always_inline void pull_headers(struct __sk_buff *ctx, __u32 want)
{
	if (want > ctx->len)
		want = ctx->len;
	if ((void *)(long)ctx->data + want > (void *)(long)ctx->data_end)
		bpf_skb_pull_data(ctx, want);
}

#define MAX_HEADERS (14 + 8 + 40 + 64 + 20) /* Ethernet, 2 VLAN tags, IPv6, some extensions, TCP */

/* Returns 1 for an IP packet parsed into pkt, 0 for a frame to pass untouched, or -drop reason. */
static __always_inline int parse_packet(struct __sk_buff *ctx, struct packet *pkt)
{
	void *data, *data_end;
	__u32 l3_off = 0;
	__u16 l3_proto;
	int l4_off;

	pull_headers(ctx, MAX_HEADERS);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;

	l3_proto = parse_ethernet(data, data_end, &l3_off);
	switch (l3_proto) {
	case ETH_P_IP:
#ifdef ENABLE_IPV4
		l4_off = parse_ipv4(data, data_end, l3_off, pkt);
		break;
#else
		return -DROP_UNSUPPORTED_L3;
#endif
	case ETH_P_IPV6:
#ifdef ENABLE_IPV6
		l4_off = parse_ipv6(data, data_end, l3_off, pkt);
		break;
#else
		return -DROP_UNSUPPORTED_L3;
#endif
	default:
		return 0;
	}
	if (l4_off < 0)
		return l4_off;
	if (pkt->fragment)
		return -DROP_FRAG_NOSUPPORT;
	l4_off = parse_l4(data, data_end, l4_off, pkt);
	if (l4_off < 0)
		return l4_off;
	return 1;
}

/* The endpoint may only send from its own address. */
static __always_inline int source_is_endpoint(const struct packet *pkt)
{
	if (pkt->family == FAMILY_IPV4)
		return pkt->saddr.ip4 == EP_CONFIG.ipv4;
	if (pkt->family == FAMILY_IPV6) {
		union packet_addr lxc_ipv6;
		int i;

		/* fe80::/10 link-local sources (MLD, DHCPv6) never leave the link: not checked. */
		if (pkt->saddr.bytes[0] == 0xfe && (pkt->saddr.bytes[1] & 0xc0) == 0x80)
			return 1;
#pragma unroll
		for (i = 0; i < 16; i++)
			lxc_ipv6.bytes[i] = EP_CONFIG.ipv6[i];
		return addr_equal(&pkt->saddr, &lxc_ipv6);
	}
	return 1;
}

/* The endpoint is the source on egress and the destination on ingress; the peer is the other end. */
static __always_inline void set_identities(struct packet *pkt, __u32 peer_identity)
{
	pkt->src_identity = pkt->direction == DIR_EGRESS ? SECLABEL : peer_identity;
	pkt->dst_identity = pkt->direction == DIR_EGRESS ? peer_identity : SECLABEL;
}

static __always_inline int enforce_policy(struct __sk_buff *ctx, struct packet *pkt)
{
	const union packet_addr *peer = pkt->direction == DIR_EGRESS ? &pkt->daddr : &pkt->saddr;
	__u64 now = bpf_ktime_get_coarse_ns(); /* CT deadlines need no better than a tick */
	struct policy_verdict verdict;
	__u32 peer_identity;
	int ret;

	if (ct_lookup_packet(pkt, now) != CT_NEW)
		return pass(pkt);

	peer_identity = resolve_identity(pkt->family, peer);
	set_identities(pkt, peer_identity);

	verdict = policy_decide(&POLICY_MAP, peer_identity, pkt);
	if (verdict.verdict < 0)
		return drop(ctx, pkt, -verdict.verdict);

	ret = ct_create_packet(pkt, peer_identity, now);
	if (ret < 0)
		return drop(ctx, pkt, -ret);

	send_policy_verdict(ctx, pkt, SECLABEL, peer_identity, 0, verdict.match_type);
	return pass(pkt);
}

static __always_inline int handle_packet(struct __sk_buff *ctx, __u8 direction)
{
	struct packet pkt = {
		.direction = direction,
		.endpoint = LXC_ID,
		.ifindex = ctx->ifindex,
		.len = ctx->len,
	};
	int ret;

	ret = parse_packet(ctx, &pkt);
	if (ret == 0)
		return TC_ACT_OK;
	if (ret < 0)
		return drop(ctx, &pkt, -ret);

	if (is_neighbour_discovery(&pkt))
		return pass(&pkt);
	if (direction == DIR_EGRESS && !source_is_endpoint(&pkt)) {
		pkt.src_identity = SECLABEL;
		return drop(ctx, &pkt, DROP_INVALID_SIP);
	}
	return enforce_policy(ctx, &pkt);
}

SEC("tc")
int from_container(struct __sk_buff *ctx)
{
	return handle_packet(ctx, DIR_EGRESS);
}

SEC("tc")
int to_container(struct __sk_buff *ctx)
{
	return handle_packet(ctx, DIR_INGRESS);
}

char LICENSE[] SEC("license") = "GPL";
