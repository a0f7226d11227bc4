// SPDX-License-Identifier: GPL-2.0
/* bpf_xdp.c — the XDP prefilter on native devices.
 *
 * Drops frames whose IPv4/IPv6 source address is in the agent's CIDR deny lists, before the stack
 * sees them: an exact-address hash (the FIX maps, /32 and /128) and an LPM trie (the DYN maps, any
 * other prefix). Every drop is counted in METRICS_MAP under (reason, DIR_INGRESS); drops are also
 * notified on EVENTS_MAP, at most PREFILTER_NOTIFY_BUDGET per CPU per second, so a flood cannot
 * flood the agent. Frames that are not IP pass; IP frames whose header is cut short are dropped
 * (DROP_INVALID). The frame is never modified.
 *
 * Generated headers (written by the agent; examples in bpf/test/include/, contract in bpf/README.md):
 *   node_config.h       EVENTS_MAP, EVENTS_MAP_SIZE, METRICS_MAP, METRICS_MAP_SIZE, NOTIFY_BUDGET_MAP,
 *                       PREFILTER_NOTIFY_BUDGET, ENABLE_IPV4, ENABLE_IPV6
 *   prefilter_config.h  CIDR4_FIX_MAP, CIDR4_DYN_MAP, CIDR6_FIX_MAP, CIDR6_DYN_MAP and each *_SIZE
 *
 * Build: clang -O2 -g -target bpf -mcpu=v3 -I/usr/include/$(uname -m)-linux-gnu -I bpf/lib -I <generated dir> -c bpf/bpf_xdp.c
 */
#include "common.h"

#include "node_config.h"
#include "prefilter_config.h"

#include "drop_reasons.h"
#include "events.h"
#include "maps.h"
#include "metrics.h"
#include "packet.h"

#if !defined(PREFILTER_NOTIFY_BUDGET) || !defined(NOTIFY_BUDGET_MAP)
#error "node_config.h must define PREFILTER_NOTIFY_BUDGET and NOTIFY_BUDGET_MAP"
#endif

/* ---- the deny lists ---- */

#ifdef ENABLE_IPV4
HASH_MAP_NO_PREALLOC(CIDR4_FIX_MAP, __be32, struct lpm_val, CIDR4_FIX_MAP_SIZE);
LPM_TRIE_MAP(CIDR4_DYN_MAP, struct lpm_v4_key, struct lpm_val, CIDR4_DYN_MAP_SIZE);
#endif

#ifdef ENABLE_IPV6
HASH_MAP_NO_PREALLOC(CIDR6_FIX_MAP, struct in6_addr, struct lpm_val, CIDR6_FIX_MAP_SIZE);
LPM_TRIE_MAP(CIDR6_DYN_MAP, struct lpm_v6_key, struct lpm_val, CIDR6_DYN_MAP_SIZE);
#endif

/* ---- the notification budget: one {window, sent, suppressed} per CPU ---- */

PERCPU_ARRAY_MAP(NOTIFY_BUDGET_MAP, struct notify_budget, 1);

/* True if this CPU may send one more notification in the current one-second window. The window needs
 * no better than tick resolution: the coarse clock costs a few ns where bpf_ktime_get_ns() reads the
 * clocksource (about 25 ns on a VM), and this runs on every drop of a flood. */
static __always_inline int notify_budget_take(void)
{
	__u32 zero = 0;
	struct notify_budget *budget = bpf_map_lookup_elem(&NOTIFY_BUDGET_MAP, &zero);
	__u64 now = bpf_ktime_get_coarse_ns();

	if (!budget)
		return 0;
	if (now - budget->window_start_ns >= NSEC_PER_SEC) {
		budget->window_start_ns = now;
		budget->sent = 0;
	}
	if (budget->sent >= PREFILTER_NOTIFY_BUDGET) {
		budget->suppressed += 1;
		return 0;
	}
	budget->sent += 1;
	return 1;
}

/* Counts every drop; notifies within the budget. */
static __always_inline int drop_ingress(struct xdp_md *ctx, const struct packet *pkt, __u8 reason)
{
	metrics_count(reason, DIR_INGRESS, pkt->len);
	if (notify_budget_take())
		send_drop_notify(ctx, pkt, reason);
	return XDP_DROP;
}

/* ---- the prefilter ---- */

#ifdef ENABLE_IPV4
static __always_inline int source_denied_v4(__be32 saddr)
{
	struct lpm_v4_key key = { .prefixlen = 32 };

	__builtin_memcpy(key.addr, &saddr, sizeof(key.addr));
	return bpf_map_lookup_elem(&CIDR4_FIX_MAP, &saddr) || bpf_map_lookup_elem(&CIDR4_DYN_MAP, &key);
}
#endif

#ifdef ENABLE_IPV6
static __always_inline int source_denied_v6(const struct in6_addr *saddr)
{
	struct lpm_v6_key key = { .prefixlen = 128 };

	__builtin_memcpy(key.addr, saddr, sizeof(key.addr));
	return bpf_map_lookup_elem(&CIDR6_FIX_MAP, saddr) || bpf_map_lookup_elem(&CIDR6_DYN_MAP, &key);
}
#endif

static __always_inline int prefilter(struct xdp_md *ctx, struct packet *pkt, __u16 l3_proto, __u32 l3_off)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int denied = 0;
	int l4_off;

	switch (l3_proto) {
#ifdef ENABLE_IPV4
	case ETH_P_IP:
		l4_off = parse_ipv4(data, data_end, l3_off, pkt);
		if (l4_off < 0)
			return drop_ingress(ctx, pkt, -l4_off);
		denied = source_denied_v4(pkt->saddr.ip4);
		break;
#endif
#ifdef ENABLE_IPV6
	case ETH_P_IPV6:
		l4_off = parse_ipv6(data, data_end, l3_off, pkt);
		if (l4_off < 0)
			return drop_ingress(ctx, pkt, -l4_off);
		denied = source_denied_v6(&pkt->saddr.ip6);
		break;
#endif
	default:
		return XDP_PASS;
	}

	if (!denied)
		return XDP_PASS;
	/* Ports only for the notification: a cut-short L4 header leaves them 0. */
	parse_l4(data, data_end, l4_off, pkt);
	return drop_ingress(ctx, pkt, DROP_PREFILTER);
}

SEC("xdp")
int xdp_prefilter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct packet pkt = {
		.direction = DIR_INGRESS,
		.ifindex = ctx->ingress_ifindex,
		.len = data_end - data,
	};
	__u32 l3_off = 0;
	__u16 l3_proto;

	l3_proto = parse_ethernet(data, data_end, &l3_off);
	return prefilter(ctx, &pkt, l3_proto, l3_off);
}

char LICENSE[] SEC("license") = "GPL";
