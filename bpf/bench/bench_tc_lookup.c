// SPDX-License-Identifier: GPL-2.0
/* bench_tc_lookup.c — the yardstick of the endpoint program in `bin/membrane bench datapath`: a tc
 * program that does one conntrack-sized lookup (struct ct4_key -> struct ct_entry, LRU hash) keyed by
 * the packet's IPv4/TCP-or-UDP tuple, and nothing else (one bounds check, IHL taken as 5, no
 * counters). The bench binds BENCH_CT4_MAP to the agent's CT4 map, so it finds the same entry the
 * endpoint program finds for an established flow. TC_ACT_OK on a hit, TC_ACT_SHOT on a miss.
 *
 * bench_config.h (written by the bench): BENCH_CT4_MAP, BENCH_CT4_MAP_SIZE */
#include "common.h"
#include "maps.h"

#include "bench_config.h"

LRU_HASH_MAP(BENCH_CT4_MAP, struct ct4_key, struct ct_entry, BENCH_CT4_MAP_SIZE);

SEC("tc")
int bench_tc_lookup(struct __sk_buff *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip4 = (void *)(eth + 1);
	__be16 *ports = (void *)(ip4 + 1);
	struct ct4_key key = {};

	if ((void *)(ports + 2) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	key.saddr = ip4->saddr;
	key.daddr = ip4->daddr;
	key.sport = ports[0];
	key.dport = ports[1];
	key.protocol = ip4->protocol;
	key.direction = DIR_INGRESS;
	return bpf_map_lookup_elem(&BENCH_CT4_MAP, &key) ? TC_ACT_OK : TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
