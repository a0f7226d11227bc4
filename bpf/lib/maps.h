/* SPDX-License-Identifier: GPL-2.0 */
/* Keys and values of every map the agent shares with the datapath.
 *
 * Each struct is mirrored byte for byte by a Java layout named after it and checked against the
 * object's BTF before load. Rules: explicit sized types only, every hole is a named pad field (so
 * `= {}` zeroes it and hash keys compare equal), multi-byte numbers are host order unless the type says
 * __be16/__be32, addresses are byte arrays in network order. Sizes and offsets: bpf/README.md.
 * The byte counts in comments are checked by _Static_assert at the end of this file. */
#ifndef MEMBRANE_MAPS_H
#define MEMBRANE_MAPS_H

#include <linux/types.h>

/* ---- prefilter: CIDR4/6_DYN_MAP (LPM trie) keys; the FIX maps are keyed by a bare __be32 (v4) or
 * struct in6_addr (v6). ---- */

struct lpm_v4_key {      /* 8 B */
	__u32 prefixlen; /* 0..32 */
	__u8 addr[4];
};

struct lpm_v6_key {      /* 20 B */
	__u32 prefixlen; /* 0..128 */
	__u8 addr[16];
};

/* Value of all four CIDR maps. Presence of the key is the verdict (drop); the agent writes flags 1. */
struct lpm_val { /* 1 B */
	__u8 flags;
};

/* ---- metrics (METRICS_MAP, per-CPU array) ---- */

/* The metrics map is a per-CPU array: slot = dir << 8 | reason (lib/metrics.h, metrics_index()), where
 * reason is from drop_reasons.h (0 = forwarded) and dir is DIR_INGRESS 1 or DIR_EGRESS 2. */

struct metrics_value { /* 16 B, one per CPU */
	__u64 packets;
	__u64 bytes; /* frame length including the Ethernet header */
};

/* ---- prefilter notification budget (NOTIFY_BUDGET_MAP, per-CPU array of 1) ---- */

struct notify_budget {         /* 16 B */
	__u64 window_start_ns; /* bpf_ktime_get_coarse_ns() when the current 1 s window opened */
	__u32 sent;            /* notifications sent in this window */
	__u32 suppressed;      /* notifications not sent for lack of budget, ever (wraps) */
};

/* ---- ipcache (IPCACHE_MAP, LPM trie): address or CIDR -> security identity ---- */

/* prefixlen = IPCACHE_STATIC_PREFIX_BITS + the CIDR's length: pad and family always match exactly.
 * v4: addr[0..3] holds the address, addr[4..15] are zero. */
#define IPCACHE_STATIC_PREFIX_BITS 32

struct ipcache_key {     /* 24 B */
	__u32 prefixlen; /* 32 + 0..32 (v4) or 32 + 0..128 (v6) */
	__u8 pad[3];
	__u8 family; /* FAMILY_IPV4 1, FAMILY_IPV6 2 */
	__u8 addr[16];
};

struct ipcache_value { /* 12 B */
	__u32 identity;
	__be32 node_addr; /* IPv4 address of the node hosting it; 0 = this node or outside */
	__u8 flags;       /* reserved, 0 */
	__u8 pad[3];
};

/* ---- local endpoints (LXC_MAP, hash): endpoint address -> where it lives ---- */

struct endpoint_key {  /* 20 B */
	__u8 addr[16]; /* v4 in the first 4 bytes */
	__u8 family;   /* FAMILY_IPV4 1, FAMILY_IPV6 2 */
	__u8 pad[3];
};

#define ENDPOINT_F_HOST 1 /* the address is one of the node's own */

struct endpoint_info { /* 24 B */
	__u32 ifindex; /* host-side veth */
	__u16 lxc_id;  /* endpoint id */
	__u16 pad;
	__u32 flags;      /* ENDPOINT_F_* */
	__u8 mac[6];      /* the endpoint's MAC */
	__u8 node_mac[6]; /* the host-side veth's MAC */
};

/* ---- policy (POLICY_MAP, one hash per endpoint) ---- */

/* identity 0 is the wildcard "any peer"; dport 0 with protocol 0 is "any port, any protocol";
 * dport 0 with a protocol is "any port of that protocol". ICMP has no ports: dport 0. */
struct policy_key {     /* 8 B */
	__u32 identity; /* peer identity, 0 = any */
	__be16 dport;   /* network order, 0 = any */
	__u8 protocol;  /* IPPROTO_*, 0 = any */
	__u8 direction; /* DIR_INGRESS 1, DIR_EGRESS 2 */
};

#define POLICY_F_DENY 1

struct policy_entry { /* 24 B */
	__u8 flags;   /* POLICY_F_DENY */
	__u8 pad[7];
	__u64 packets; /* packets decided by this entry (new flows; every denied packet) */
	__u64 bytes;
};

/* ---- conntrack (CT4_MAP / CT6_MAP, LRU hash) ----
 * A flow is keyed as its first packet was seen, from the side of the program that saw it:
 * direction = DIR_EGRESS if the endpoint opened it (from_container), DIR_INGRESS if a peer did. A
 * reply is found by the reversed tuple with the other direction. ICMP echo: the echo id is the
 * source "port" of a request and the destination "port" of a reply, so a reply reverses onto its
 * request. */

struct ct4_key { /* 16 B */
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 protocol;
	__u8 direction; /* DIR_* of the program that created the entry */
	__u16 pad;
};

struct ct6_key { /* 40 B */
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u8 protocol;
	__u8 direction;
	__u16 pad;
};

#define CT_F_REPLY_SEEN 1 /* a packet in the reverse direction passed */
#define CT_F_CLOSING    2 /* TCP FIN or RST seen */

struct ct_entry {         /* 32 B */
	__u64 expires_ns; /* bpf_ktime_get_coarse_ns() (CLOCK_MONOTONIC, tick resolution) deadline; past = gone */
	__u64 packets; /* both directions */
	__u64 bytes;
	__u32 peer_identity; /* identity resolved when the flow was created */
	__u16 flags;         /* CT_F_* */
	__u8 tcp_flags_seen; /* OR of TCP flags seen, both directions */
	__u8 pad;
};

_Static_assert(sizeof(struct lpm_v4_key) == 8, "lpm_v4_key");
_Static_assert(sizeof(struct lpm_v6_key) == 20, "lpm_v6_key");
_Static_assert(sizeof(struct lpm_val) == 1, "lpm_val");
_Static_assert(sizeof(struct metrics_value) == 16, "metrics_value");
_Static_assert(sizeof(struct notify_budget) == 16, "notify_budget");
_Static_assert(sizeof(struct ipcache_key) == 24, "ipcache_key");
_Static_assert(sizeof(struct ipcache_value) == 12, "ipcache_value");
_Static_assert(sizeof(struct endpoint_key) == 20, "endpoint_key");
_Static_assert(sizeof(struct endpoint_info) == 24, "endpoint_info");
_Static_assert(sizeof(struct policy_key) == 8, "policy_key");
_Static_assert(sizeof(struct policy_entry) == 24, "policy_entry");
_Static_assert(sizeof(struct ct4_key) == 16, "ct4_key");
_Static_assert(sizeof(struct ct6_key) == 40, "ct6_key");
_Static_assert(sizeof(struct ct_entry) == 32, "ct_entry");

#endif /* MEMBRANE_MAPS_H */
