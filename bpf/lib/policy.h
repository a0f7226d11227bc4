/* SPDX-License-Identifier: GPL-2.0 */
/* The policy decision for a new flow, from the endpoint's policy map (POLICY_MAP, written by the
 * agent). The map holds exactly the entries the agent wants, for both directions:
 *   - nothing matches            -> drop, DROP_POLICY (133): an empty map denies everything;
 *   - a deny entry matches       -> drop, DROP_POLICY_DENY (181), whatever allows also match;
 *   - otherwise an allow matches -> pass; the most specific allow is reported and counted.
 * Lookups, most specific first (identity 0 = any peer, dport 0 = any port, protocol 0 = any):
 *   (identity, dport, proto) L3-L4 | (0, dport, proto) L4 | (identity, 0, proto) L3-proto |
 *   (0, 0, proto) proto | (identity, 0, 0) L3 | (0, 0, 0) all
 * The deciding entry counts the packet (packets, bytes). */
#ifndef MEMBRANE_POLICY_H
#define MEMBRANE_POLICY_H

#include "common.h"
#include "drop_reasons.h"
#include "events.h"
#include "maps.h"
#include "packet.h"

#define POLICY_LOOKUPS 6

struct policy_verdict {
	int verdict;     /* 0 allow, or -DROP_POLICY / -DROP_POLICY_DENY */
	__u8 match_type; /* MATCH_* of the deciding entry */
};

static __always_inline void policy_count(struct policy_entry *entry, __u32 bytes)
{
	__sync_fetch_and_add(&entry->packets, 1);
	__sync_fetch_and_add(&entry->bytes, bytes);
}

static __always_inline struct policy_verdict policy_decide(void *policy_map, __u32 identity,
                                                           const struct packet *pkt)
{
	const struct {
		__u32 identity;
		__be16 dport;
		__u8 protocol;
		__u8 match;
	} lookups[POLICY_LOOKUPS] = {
		{ identity, pkt->dport, pkt->protocol, MATCH_L3_L4 },
		{ 0, pkt->dport, pkt->protocol, MATCH_L4 },
		{ identity, 0, pkt->protocol, MATCH_L3_PROTO },
		{ 0, 0, pkt->protocol, MATCH_PROTO },
		{ identity, 0, 0, MATCH_L3 },
		{ 0, 0, 0, MATCH_ALL },
	};
	struct policy_verdict verdict = { .verdict = -DROP_POLICY, .match_type = MATCH_NONE };
	struct policy_entry *allow = NULL;

#pragma unroll
	for (int i = 0; i < POLICY_LOOKUPS; i++) {
		struct policy_key key = {
			.identity = lookups[i].identity,
			.dport = lookups[i].dport,
			.protocol = lookups[i].protocol,
			.direction = pkt->direction,
		};
		struct policy_entry *entry = bpf_map_lookup_elem(policy_map, &key);

		if (!entry)
			continue;
		if (entry->flags & POLICY_F_DENY) {
			policy_count(entry, pkt->len);
			verdict.verdict = -DROP_POLICY_DENY;
			verdict.match_type = lookups[i].match;
			return verdict;
		}
		if (!allow) {
			allow = entry;
			verdict.verdict = 0;
			verdict.match_type = lookups[i].match;
		}
	}
	if (allow)
		policy_count(allow, pkt->len);
	return verdict;
}

#endif /* MEMBRANE_POLICY_H */
