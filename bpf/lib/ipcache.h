/* SPDX-License-Identifier: GPL-2.0 */
/* Address -> security identity, through IPCACHE_MAP (LPM trie, written by the agent's IpCache). */
#ifndef MEMBRANE_IPCACHE_H
#define MEMBRANE_IPCACHE_H

#include "common.h"
#include "maps.h"
#include "packet.h"

#if !defined(IPCACHE_MAP) || !defined(IPCACHE_MAP_SIZE)
#error "node_config.h must define IPCACHE_MAP and IPCACHE_MAP_SIZE"
#endif

LPM_TRIE_MAP(IPCACHE_MAP, struct ipcache_key, struct ipcache_value, IPCACHE_MAP_SIZE);

/* The longest ipcache prefix holding addr decides. A miss is WORLD, except this node's own address
 * (NODE_IPV4), which is HOST until the agent's ipcache says otherwise. */
static __always_inline __u32 resolve_identity(__u8 family, const union packet_addr *addr)
{
	struct ipcache_key key = { .family = family };
	struct ipcache_value *value;

	key.prefixlen = IPCACHE_STATIC_PREFIX_BITS + (family == FAMILY_IPV4 ? 32 : 128);
	__builtin_memcpy(key.addr, addr->bytes, sizeof(key.addr));
	value = bpf_map_lookup_elem(&IPCACHE_MAP, &key);
	if (value)
		return value->identity;
#ifdef NODE_IPV4
	if (family == FAMILY_IPV4 && addr->ip4 == NODE_IPV4)
		return IDENTITY_HOST;
#endif
	return IDENTITY_WORLD;
}

#endif /* MEMBRANE_IPCACHE_H */
