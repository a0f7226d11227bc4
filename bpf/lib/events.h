/* SPDX-License-Identifier: GPL-2.0 */
/* Notifications to the agent through EVENTS_MAP (perf event array, one ring per CPU).
 *
 * Every notification starts with struct notify_hdr; hdr.len is the size of the whole notification,
 * so a reader can skip types it does not know. Numbers are host order (ports too), addresses are
 * 16-byte network-order arrays (IPv4 in the first 4 bytes, family says which). Each struct is mirrored
 * by a Java layout (Notification.java) checked against the object's BTF; offsets: bpf/README.md. Never
 * reorder fields: append, and the length tells the version. */
#ifndef MEMBRANE_EVENTS_H
#define MEMBRANE_EVENTS_H

#include "common.h"
#include "drop_reasons.h"
#include "packet.h"

#if !defined(EVENTS_MAP) || !defined(EVENTS_MAP_SIZE)
#error "node_config.h must define EVENTS_MAP and EVENTS_MAP_SIZE"
#endif

/* notify_hdr.type, numbered like Cilium's monitor message types. */
#define NOTIFY_DROP           1 /* subtype = drop reason */
#define NOTIFY_POLICY_VERDICT 5 /* subtype = 0 */

/* policy_verdict_notify.match_type, numbered like Cilium's. */
#define MATCH_NONE     0
#define MATCH_L3       1 /* (identity, any port, any protocol) */
#define MATCH_L3_L4    2 /* (identity, port, protocol) */
#define MATCH_L4       3 /* (any identity, port, protocol) */
#define MATCH_ALL      4 /* (any, any, any) */
#define MATCH_L3_PROTO 5 /* (identity, any port, protocol) */
#define MATCH_PROTO    6 /* (any identity, any port, protocol) */

struct notify_hdr {   /* 8 B */
	__u8 type;    /* NOTIFY_* */
	__u8 subtype; /* drop reason for NOTIFY_DROP */
	__u16 source; /* endpoint id (LXC_ID); 0 = the node (XDP) */
	__u32 len;    /* bytes of the whole notification, this header included */
};

struct drop_notify { /* 64 B */
	struct notify_hdr hdr;
	__u32 src_identity; /* 0 = not resolved (always 0 from the prefilter) */
	__u32 dst_identity;
	__u32 ifindex;  /* device the program runs on */
	__u32 orig_len; /* frame length including L2 */
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;    /* host order; ICMP echo: id of a request */
	__u16 dport;    /* host order; ICMP echo: id of a reply */
	__u8 protocol;  /* IPPROTO_* */
	__u8 direction; /* DIR_INGRESS 1, DIR_EGRESS 2 */
	__u8 family;    /* FAMILY_IPV4 1, FAMILY_IPV6 2, 0 = no IP header parsed */
	__u8 pad;
};

struct policy_verdict_notify { /* 64 B */
	struct notify_hdr hdr;
	__u32 local_identity;  /* the endpoint's SECLABEL */
	__u32 remote_identity; /* the peer's identity */
	__s32 verdict;         /* 0 allow, < 0 -drop reason */
	__u32 ifindex;
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u8 protocol;
	__u8 direction;
	__u8 family;
	__u8 match_type; /* MATCH_* */
};

_Static_assert(sizeof(struct notify_hdr) == 8, "notify_hdr");
_Static_assert(sizeof(struct drop_notify) == 64, "drop_notify");
_Static_assert(sizeof(struct policy_verdict_notify) == 64, "policy_verdict_notify");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, EVENTS_MAP_SIZE);
} EVENTS_MAP SEC(".maps");

/* Never read by code: keeps the notification layouts and the drop reasons in the object's BTF (clang
 * emits BTF only for types that maps or globals use) so the agent can check its mirrors. */
const volatile struct drop_notify membrane_btf_drop_notify __attribute__((used));
const volatile struct policy_verdict_notify membrane_btf_policy_verdict_notify __attribute__((used));
const volatile enum drop_reason membrane_btf_drop_reason __attribute__((used));

/* The flow members both notifications carry, as designated initializers: the device, the ports in
 * host order, protocol, direction and family. */
#define NOTIFY_FLOW_MEMBERS(pkt)                                                                       \
	.ifindex = (pkt)->ifindex, .sport = bpf_ntohs((pkt)->sport), .dport = bpf_ntohs((pkt)->dport), \
	.protocol = (pkt)->protocol, .direction = (pkt)->direction, .family = (pkt)->family

/* Copies the packet's addresses into notification *ev (drop or policy verdict, both have saddr and
 * daddr) and sends it on this CPU's ring. A macro, because the two structs share member names only. */
#define send_flow_notify(ctx, ev, pkt)                                                           \
	do {                                                                                     \
		__builtin_memcpy((ev)->saddr, (pkt)->saddr.bytes, sizeof((ev)->saddr));          \
		__builtin_memcpy((ev)->daddr, (pkt)->daddr.bytes, sizeof((ev)->daddr));          \
		bpf_perf_event_output(ctx, &EVENTS_MAP, BPF_F_CURRENT_CPU, (ev), sizeof(*(ev))); \
	} while (0)

static __always_inline void send_drop_notify(void *ctx, const struct packet *pkt, __u8 reason)
{
	struct drop_notify ev = {
		.hdr = {
			.type = NOTIFY_DROP,
			.subtype = reason,
			.source = pkt->endpoint,
			.len = sizeof(ev),
		},
		.src_identity = pkt->src_identity,
		.dst_identity = pkt->dst_identity,
		.orig_len = pkt->len,
		NOTIFY_FLOW_MEMBERS(pkt),
	};

	send_flow_notify(ctx, &ev, pkt);
}

static __always_inline void send_policy_verdict(void *ctx, const struct packet *pkt, __u32 local_identity,
                                                __u32 remote_identity, __s32 verdict, __u8 match_type)
{
	struct policy_verdict_notify ev = {
		.hdr = {
			.type = NOTIFY_POLICY_VERDICT,
			.source = pkt->endpoint,
			.len = sizeof(ev),
		},
		.local_identity = local_identity,
		.remote_identity = remote_identity,
		.verdict = verdict,
		.match_type = match_type,
		NOTIFY_FLOW_MEMBERS(pkt),
	};

	send_flow_notify(ctx, &ev, pkt);
}

#endif /* MEMBRANE_EVENTS_H */
