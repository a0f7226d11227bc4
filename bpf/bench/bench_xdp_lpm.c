// SPDX-License-Identifier: GPL-2.0
/* bench_xdp_lpm.c — the yardstick of the prefilter in `bin/membrane bench datapath`: one LPM-trie
 * lookup of the IPv4 source and nothing else (one bounds check, no VLANs, no options, no counters).
 * The bench fills BENCH_LPM4_MAP with the same CIDRs the prefilter holds, /32s included.
 * Returns XDP_DROP when the source is in the trie, XDP_PASS otherwise, as the prefilter does.
 *
 * bench_config.h (written by the bench): BENCH_LPM4_MAP, BENCH_LPM4_MAP_SIZE */
#include "common.h"
#include "maps.h"

#include "bench_config.h"

LPM_TRIE_MAP(BENCH_LPM4_MAP, struct lpm_v4_key, struct lpm_val, BENCH_LPM4_MAP_SIZE);

SEC("xdp")
int bench_xdp_lpm(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip4 = (void *)(eth + 1);
	struct lpm_v4_key key = { .prefixlen = 32 };

	if ((void *)(ip4 + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	__builtin_memcpy(key.addr, &ip4->saddr, sizeof(key.addr));
	return bpf_map_lookup_elem(&BENCH_LPM4_MAP, &key) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
