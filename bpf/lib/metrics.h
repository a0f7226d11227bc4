/* SPDX-License-Identifier: GPL-2.0 */
/* Packet and byte counters per (reason, direction) in METRICS_MAP, a per-CPU hash the agent sums. */
#ifndef MEMBRANE_METRICS_H
#define MEMBRANE_METRICS_H

#include "common.h"
#include "maps.h"

#if !defined(METRICS_MAP) || !defined(METRICS_MAP_SIZE)
#error "node_config.h must define METRICS_MAP and METRICS_MAP_SIZE"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, struct metrics_key);
	__type(value, struct metrics_value);
	__uint(max_entries, METRICS_MAP_SIZE);
} METRICS_MAP SEC(".maps");

/* Per-CPU slots need no atomics. The first packet of a (reason, direction) inserts the entry; if
 * another CPU inserted it in between, the insert fails and the second lookup finds it. */
static __always_inline void metrics_count(__u8 reason, __u8 dir, __u32 bytes)
{
	struct metrics_key key = { .reason = reason, .dir = dir };
	struct metrics_value first = { .packets = 1, .bytes = bytes };
	struct metrics_value *value;

	value = bpf_map_lookup_elem(&METRICS_MAP, &key);
	if (!value) {
		if (bpf_map_update_elem(&METRICS_MAP, &key, &first, BPF_NOEXIST) == 0)
			return;
		value = bpf_map_lookup_elem(&METRICS_MAP, &key);
		if (!value)
			return;
	}
	value->packets += 1;
	value->bytes += bytes;
}

#endif /* MEMBRANE_METRICS_H */
