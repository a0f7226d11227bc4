/* SPDX-License-Identifier: GPL-2.0 */
/* Connection tracking in CT4_MAP / CT6_MAP (LRU hashes shared by all endpoints of the node).
 *
 * A flow's entry is keyed by its first packet's tuple plus the direction of the program that saw it
 * (see struct ct4_key). For a packet, the forward key (its own tuple, this direction) finds a flow it
 * belongs to as a sender ("established"); the reverse key (swapped tuple, the other direction) finds
 * a flow it answers ("reply"). Either way it passes without a policy lookup. An entry past its
 * expires_ns counts as absent and is overwritten by the next new flow on the same tuple; the LRU
 * evicts the rest, and the agent may delete expired entries (compare with CLOCK_MONOTONIC). Time is
 * bpf_ktime_get_coarse_ns(): a tick's resolution is plenty for lifetimes of seconds, and it costs a few
 * ns where bpf_ktime_get_ns() costs about 25 on a VM, on every packet. */
#ifndef MEMBRANE_CONNTRACK_H
#define MEMBRANE_CONNTRACK_H

#include "common.h"
#include "drop_reasons.h"
#include "maps.h"
#include "packet.h"

/* Lifetimes in seconds; node_config.h may override them. */
#ifndef CT_LIFETIME_TCP
#define CT_LIFETIME_TCP 21600 /* established TCP (a reply was seen) */
#endif
#ifndef CT_SYN_TIMEOUT
#define CT_SYN_TIMEOUT 60 /* TCP until the first reply */
#endif
#ifndef CT_CLOSE_TIMEOUT
#define CT_CLOSE_TIMEOUT 10 /* TCP after FIN or RST */
#endif
#ifndef CT_LIFETIME_NONTCP
#define CT_LIFETIME_NONTCP 60 /* UDP, ICMP, anything else */
#endif

enum ct_status {
	CT_NEW = 0,
	CT_ESTABLISHED = 1,
	CT_REPLY = 2,
};

#ifdef ENABLE_IPV4
#if !defined(CT4_MAP) || !defined(CT4_MAP_SIZE)
#error "node_config.h must define CT4_MAP and CT4_MAP_SIZE"
#endif
LRU_HASH_MAP(CT4_MAP, struct ct4_key, struct ct_entry, CT4_MAP_SIZE);
#endif

#ifdef ENABLE_IPV6
#if !defined(CT6_MAP) || !defined(CT6_MAP_SIZE)
#error "node_config.h must define CT6_MAP and CT6_MAP_SIZE"
#endif
LRU_HASH_MAP(CT6_MAP, struct ct6_key, struct ct_entry, CT6_MAP_SIZE);
#endif

static __always_inline __u8 reverse_direction(__u8 dir)
{
	return dir == DIR_INGRESS ? DIR_EGRESS : DIR_INGRESS;
}

static __always_inline __u64 ct_lifetime_ns(const struct packet *pkt, __u16 flags)
{
	__u64 seconds = CT_LIFETIME_NONTCP;

	if (pkt->protocol == IPPROTO_TCP) {
		if (flags & CT_F_CLOSING)
			seconds = CT_CLOSE_TIMEOUT;
		else if (flags & CT_F_REPLY_SEEN)
			seconds = CT_LIFETIME_TCP;
		else
			seconds = CT_SYN_TIMEOUT;
	}
	return seconds * NSEC_PER_SEC;
}

static __always_inline __u16 ct_flags_after(const struct packet *pkt, __u16 flags, int reply)
{
	if (reply)
		flags |= CT_F_REPLY_SEEN;
	if (pkt->tcp_flags & (TH_FIN | TH_RST))
		flags |= CT_F_CLOSING;
	return flags;
}

/* The packet belongs to the flow of entry e: push the deadline out and, with CONNTRACK_ACCOUNTING,
 * count it. Every store is skipped when it would not change anything, and the deadline moves only
 * when it gains at least CT_DEADLINE_SLACK: an established flow's packets then mostly only read the
 * entry, so CPUs forwarding the same flow do not bounce its cache line (Cilium refreshes lifetimes at
 * one-second resolution for the same reason). Flag updates are plain stores: two CPUs racing can only
 * both set the same bits. Per-flow packet and byte counts cost two atomic adds per packet, so they are
 * off by default, as Cilium's --bpf-conntrack-accounting. */
#ifndef CT_DEADLINE_SLACK
#define CT_DEADLINE_SLACK NSEC_PER_SEC
#endif

static __always_inline void ct_update(struct ct_entry *e, const struct packet *pkt, int reply, __u64 now)
{
	__u16 flags = ct_flags_after(pkt, e->flags, reply);
	__u64 deadline;

#ifdef CONNTRACK_ACCOUNTING
	__sync_fetch_and_add(&e->packets, 1);
	__sync_fetch_and_add(&e->bytes, pkt->len);
#endif
	if (flags != e->flags)
		e->flags = flags;
	if ((e->tcp_flags_seen | pkt->tcp_flags) != e->tcp_flags_seen)
		e->tcp_flags_seen |= pkt->tcp_flags;
	deadline = now + ct_lifetime_ns(pkt, flags);
	/* A shorter lifetime (FIN/RST seen) takes effect at once; a longer one only in CT_DEADLINE_SLACK steps. */
	if (deadline < e->expires_ns || deadline > e->expires_ns + CT_DEADLINE_SLACK)
		e->expires_ns = deadline;
}

static __always_inline int ct_lookup(void *ct_map, const void *forward, const void *reverse,
                                     const struct packet *pkt, __u64 now)
{
	struct ct_entry *e;

	e = bpf_map_lookup_elem(ct_map, forward);
	if (e && e->expires_ns > now) {
		ct_update(e, pkt, 0, now);
		return CT_ESTABLISHED;
	}
	e = bpf_map_lookup_elem(ct_map, reverse);
	if (e && e->expires_ns > now) {
		ct_update(e, pkt, 1, now);
		return CT_REPLY;
	}
	return CT_NEW;
}

static __always_inline int ct_create(void *ct_map, const void *forward, const struct packet *pkt,
                                     __u32 peer_identity, __u64 now)
{
	__u16 flags = ct_flags_after(pkt, 0, 0);
	struct ct_entry e = {
		.expires_ns = now + ct_lifetime_ns(pkt, flags),
		.packets = 1,
		.bytes = pkt->len,
		.peer_identity = peer_identity,
		.flags = flags,
		.tcp_flags_seen = pkt->tcp_flags,
	};

	if (bpf_map_update_elem(ct_map, forward, &e, BPF_ANY) < 0)
		return -DROP_CT_CREATE_FAILED;
	return 0;
}

#ifdef ENABLE_IPV4
static __always_inline void ct4_key_of(const struct packet *pkt, int reverse, struct ct4_key *key)
{
	key->saddr = reverse ? pkt->daddr.ip4 : pkt->saddr.ip4;
	key->daddr = reverse ? pkt->saddr.ip4 : pkt->daddr.ip4;
	key->sport = reverse ? pkt->dport : pkt->sport;
	key->dport = reverse ? pkt->sport : pkt->dport;
	key->protocol = pkt->protocol;
	key->direction = reverse ? reverse_direction(pkt->direction) : pkt->direction;
}
#endif

#ifdef ENABLE_IPV6
static __always_inline void ct6_key_of(const struct packet *pkt, int reverse, struct ct6_key *key)
{
	__builtin_memcpy(key->saddr, reverse ? pkt->daddr.bytes : pkt->saddr.bytes, 16);
	__builtin_memcpy(key->daddr, reverse ? pkt->saddr.bytes : pkt->daddr.bytes, 16);
	key->sport = reverse ? pkt->dport : pkt->sport;
	key->dport = reverse ? pkt->sport : pkt->dport;
	key->protocol = pkt->protocol;
	key->direction = reverse ? reverse_direction(pkt->direction) : pkt->direction;
}
#endif

/* CT_NEW, CT_ESTABLISHED or CT_REPLY for the packet, updating the entry it belongs to. */
static __always_inline int ct_lookup_packet(const struct packet *pkt, __u64 now)
{
#ifdef ENABLE_IPV4
	if (pkt->family == FAMILY_IPV4) {
		struct ct4_key forward = {}, reverse = {};

		ct4_key_of(pkt, 0, &forward);
		ct4_key_of(pkt, 1, &reverse);
		return ct_lookup(&CT4_MAP, &forward, &reverse, pkt, now);
	}
#endif
#ifdef ENABLE_IPV6
	if (pkt->family == FAMILY_IPV6) {
		struct ct6_key forward = {}, reverse = {};

		ct6_key_of(pkt, 0, &forward);
		ct6_key_of(pkt, 1, &reverse);
		return ct_lookup(&CT6_MAP, &forward, &reverse, pkt, now);
	}
#endif
	return CT_NEW;
}

/* Records the packet's flow as allowed. Returns 0 or -DROP_CT_CREATE_FAILED. */
static __always_inline int ct_create_packet(const struct packet *pkt, __u32 peer_identity, __u64 now)
{
#ifdef ENABLE_IPV4
	if (pkt->family == FAMILY_IPV4) {
		struct ct4_key forward = {};

		ct4_key_of(pkt, 0, &forward);
		return ct_create(&CT4_MAP, &forward, pkt, peer_identity, now);
	}
#endif
#ifdef ENABLE_IPV6
	if (pkt->family == FAMILY_IPV6) {
		struct ct6_key forward = {};

		ct6_key_of(pkt, 0, &forward);
		return ct_create(&CT6_MAP, &forward, pkt, peer_identity, now);
	}
#endif
	return -DROP_CT_CREATE_FAILED;
}

#endif /* MEMBRANE_CONNTRACK_H */
