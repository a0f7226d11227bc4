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

#endif /* MEMBRANE_COMMON_H */
