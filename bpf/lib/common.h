/* SPDX-License-Identifier: GPL-2.0 */
/* What every Membrane program needs: kernel uapi, libbpf helpers, and the small numbered vocabularies
 * (identities, directions, address families) that the agent shares. */
#ifndef MEMBRANE_COMMON_H
#define MEMBRANE_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Reserved security identities (DESIGN.md, "Identities and policy"). 0 means "not resolved". */
#define IDENTITY_UNKNOWN 0
#define IDENTITY_HOST    1
#define IDENTITY_WORLD   2

/* One direction numbering for metrics keys, policy keys, CT keys and events; always seen from the
 * endpoint (or, for the prefilter, from the node): ingress = towards it, egress = from it. */
#define DIR_INGRESS 1
#define DIR_EGRESS  2

/* Address family in ipcache/endpoint keys and in events. */
#define FAMILY_IPV4 1
#define FAMILY_IPV6 2

#define NSEC_PER_SEC 1000000000ULL

/* A BTF-defined map, the one form every program and header declares its maps in. The agent creates
 * each shared map itself and binds the object's definition to it by name, and libbpf refuses the
 * binding unless type, flags, key, value and size agree, so a definition states exactly those. */
#define MEMBRANE_MAP(_name, _type, _flags, _key, _value, _size) \
	struct {                                                \
		__uint(type, _type);                            \
		__uint(map_flags, _flags);                      \
		__type(key, _key);                              \
		__type(value, _value);                          \
		__uint(max_entries, _size);                     \
	} _name SEC(".maps")

/* The shapes of our maps, as the Java MapSpec factories of the same names make them. The kernel
 * requires BPF_F_NO_PREALLOC for LPM tries; large, mostly empty hashes take it to allocate on insert. */
#define HASH_MAP_NO_PREALLOC(_name, _key, _value, _size) \
	MEMBRANE_MAP(_name, BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC, _key, _value, _size)
#define LPM_TRIE_MAP(_name, _key, _value, _size) \
	MEMBRANE_MAP(_name, BPF_MAP_TYPE_LPM_TRIE, BPF_F_NO_PREALLOC, _key, _value, _size)
#define LRU_HASH_MAP(_name, _key, _value, _size) \
	MEMBRANE_MAP(_name, BPF_MAP_TYPE_LRU_HASH, 0, _key, _value, _size)
#define PERCPU_ARRAY_MAP(_name, _value, _size) \
	MEMBRANE_MAP(_name, BPF_MAP_TYPE_PERCPU_ARRAY, 0, __u32, _value, _size)

#endif /* MEMBRANE_COMMON_H */
