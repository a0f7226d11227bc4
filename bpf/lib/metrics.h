/* SPDX-License-Identifier: GPL-2.0 */
/* Packet and byte counters per (reason, direction) in METRICS_MAP, a per-CPU hash the agent sums. */
#ifndef MEMBRANE_METRICS_H
#define MEMBRANE_METRICS_H

#include "common.h"
#include "maps.h"

#if !defined(METRICS_MAP) || !defined(METRICS_MAP_SIZE)
#error "node_config.h must define METRICS_MAP and METRICS_MAP_SIZE"
#endif

/* A per-CPU array, not a hash: the verifier inlines array lookups, so counting costs a couple of ns on
 * every forwarded packet instead of a hash walk. Slot = direction << 8 | reason (metrics_index()); the
 * agent decodes the slot back into (reason, direction) and skips empty ones. */
PERCPU_ARRAY_MAP(METRICS_MAP, struct metrics_value, METRICS_MAP_SIZE);

#if METRICS_MAP_SIZE < 1024
#error "METRICS_MAP_SIZE must hold every (direction, reason) slot: at least 4 << 8"
#endif

static __always_inline __u32 metrics_index(__u8 reason, __u8 dir)
{
	return ((__u32)(dir & 3) << 8) | reason;
}

/* Per-CPU slots need no atomics. */
static __always_inline void metrics_count(__u8 reason, __u8 dir, __u32 bytes)
{
	__u32 index = metrics_index(reason, dir);
	struct metrics_value *value = bpf_map_lookup_elem(&METRICS_MAP, &index);

	if (value) {
		value->packets += 1;
		value->bytes += bytes;
	}
}

#endif /* MEMBRANE_METRICS_H */
