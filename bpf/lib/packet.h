/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing: Ethernet (up to two VLAN tags), IPv4, IPv6 (with extension headers), then the L4 ports.
 * Each header is bounds-checked once against data_end; the result is a struct packet on the stack
 * that the rest of the program reads instead of the packet. */
#ifndef MEMBRANE_PACKET_H
#define MEMBRANE_PACKET_H

#include "common.h"
#include "drop_reasons.h"

#define VLAN_MAX_DEPTH       2 /* 802.1ad outer + 802.1Q inner */
#define IPV6_MAX_EXT_HEADERS 4

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

#define ICMP_ECHOREPLY_TYPE      0
#define ICMP_ECHO_TYPE           8
#define ICMPV6_ECHO_REQUEST_TYPE 128
#define ICMPV6_ECHO_REPLY_TYPE   129
#define ICMPV6_ND_FIRST_TYPE     133 /* router solicitation .. */
#define ICMPV6_ND_LAST_TYPE      137 /* .. redirect */

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

struct icmp_echo_hdr { /* ICMP and ICMPv6 share this shape */
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};

struct ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | flags */
	__be32 identification;
};

union packet_addr {
	__be32 ip4; /* IPv4: first 4 bytes, the rest stays zero */
	struct in6_addr ip6;
	__u32 words[4];
	__u8 bytes[16];
};

static __always_inline int addr_equal(const union packet_addr *a, const union packet_addr *b)
{
	return a->words[0] == b->words[0] && a->words[1] == b->words[1] && a->words[2] == b->words[2] &&
	       a->words[3] == b->words[3];
}

/* What a program knows about the packet in hand. Filled by the parsers, then by the program. */
struct packet {
	union packet_addr saddr;
	union packet_addr daddr;
	__be16 sport;   /* ICMP echo request: the echo id; other ICMP: 0 */
	__be16 dport;   /* ICMP echo reply: the echo id; other ICMP: 0 */
	__u8 family;    /* FAMILY_IPV4 / FAMILY_IPV6, 0 until an IP header parsed */
	__u8 protocol;  /* L4 protocol (after IPv6 extension headers) */
	__u8 tcp_flags; /* TH_* */
	__u8 icmp_type;
	__u8 fragment;  /* a non-first fragment: no L4 header */
	__u8 direction; /* DIR_* */
	__u16 endpoint; /* LXC_ID; 0 in XDP */
	__u32 ifindex;
	__u32 len;          /* frame length including L2 */
	__u32 src_identity; /* 0 until known */
	__u32 dst_identity;
};

/* Returns the L3 ethertype (host order) behind at most VLAN_MAX_DEPTH tags and its offset in *l3_off;
 * 0 if the frame is too short to tell. A frame with deeper tagging returns a VLAN ethertype. */
static __always_inline __u16 parse_ethernet(void *data, void *data_end, __u32 *l3_off)
{
	struct ethhdr *eth = data;
	struct vlan_hdr *vlan;
	__u32 off = sizeof(*eth);
	__u16 proto;

	if (data + off > data_end)
		return 0;
	proto = bpf_ntohs(eth->h_proto);

#pragma unroll
	for (int i = 0; i < VLAN_MAX_DEPTH; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		vlan = data + off;
		if ((void *)(vlan + 1) > data_end)
			return 0;
		proto = bpf_ntohs(vlan->encap_proto);
		off += sizeof(*vlan);
	}
	*l3_off = off;
	return proto;
}

/* Fills family, protocol, addresses and fragment. Returns the L4 offset or -DROP_INVALID. */
static __always_inline int parse_ipv4(void *data, void *data_end, __u32 off, struct packet *pkt)
{
	struct iphdr *ip4 = data + off;

	if ((void *)(ip4 + 1) > data_end || ip4->version != 4 || ip4->ihl < 5)
		return -DROP_INVALID;

	pkt->family = FAMILY_IPV4;
	pkt->protocol = ip4->protocol;
	pkt->saddr.ip4 = ip4->saddr;
	pkt->daddr.ip4 = ip4->daddr;
	pkt->fragment = (ip4->frag_off & bpf_htons(0x1fff)) != 0;
	return off + ip4->ihl * 4;
}

/* Fills family, protocol (past hop-by-hop, routing, destination-options and fragment headers),
 * addresses and fragment. Returns the L4 offset or -DROP_INVALID. */
static __always_inline int parse_ipv6(void *data, void *data_end, __u32 off, struct packet *pkt)
{
	struct ipv6hdr *ip6 = data + off;
	struct ipv6_opt_hdr *opt;
	struct ipv6_frag_hdr *frag;
	__u8 nexthdr;

	if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
		return -DROP_INVALID;

	pkt->family = FAMILY_IPV6;
	pkt->saddr.ip6 = ip6->saddr;
	pkt->daddr.ip6 = ip6->daddr;
	nexthdr = ip6->nexthdr;
	off += sizeof(*ip6);

#pragma unroll
	for (int i = 0; i < IPV6_MAX_EXT_HEADERS; i++) {
		if (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING || nexthdr == IPPROTO_DSTOPTS) {
			opt = data + off;
			if ((void *)(opt + 1) > data_end)
				return -DROP_INVALID;
			nexthdr = opt->nexthdr;
			off += (opt->hdrlen + 1) * 8;
		} else if (nexthdr == IPPROTO_FRAGMENT) {
			frag = data + off;
			if ((void *)(frag + 1) > data_end)
				return -DROP_INVALID;
			nexthdr = frag->nexthdr;
			pkt->fragment = (frag->frag_off & bpf_htons(0xfff8)) != 0;
			off += sizeof(*frag);
		} else {
			break;
		}
	}
	pkt->protocol = nexthdr;
	return off;
}

/* ICMP has no ports. An echo request carries its id as the source "port", an echo reply as the
 * destination "port": the reversed tuple of a reply is the tuple of its request. */
static __always_inline void icmp_echo_ports(struct packet *pkt, const struct icmp_echo_hdr *icmp,
                                            __u8 request_type, __u8 reply_type)
{
	pkt->icmp_type = icmp->type;
	if (icmp->type == request_type)
		pkt->sport = icmp->id;
	else if (icmp->type == reply_type)
		pkt->dport = icmp->id;
}

/* Fills ports, TCP flags and ICMP type. Returns 0 or -DROP_CT_INVALID_HDR if the header is cut
 * short. Fragments after the first and protocols without ports keep ports 0. */
static __always_inline int parse_l4(void *data, void *data_end, __u32 off, struct packet *pkt)
{
	struct tcphdr *tcp = data + off;
	struct udphdr *udp = data + off;
	struct icmp_echo_hdr *icmp = data + off;

	if (pkt->fragment)
		return 0;

	switch (pkt->protocol) {
	case IPPROTO_TCP:
		if ((void *)(tcp + 1) > data_end)
			return -DROP_CT_INVALID_HDR;
		pkt->sport = tcp->source;
		pkt->dport = tcp->dest;
		pkt->tcp_flags = ((__u8 *)tcp)[13];
		return 0;
	case IPPROTO_UDP:
		if ((void *)(udp + 1) > data_end)
			return -DROP_CT_INVALID_HDR;
		pkt->sport = udp->source;
		pkt->dport = udp->dest;
		return 0;
	case IPPROTO_ICMP:
		if ((void *)(icmp + 1) > data_end)
			return -DROP_CT_INVALID_HDR;
		icmp_echo_ports(pkt, icmp, ICMP_ECHO_TYPE, ICMP_ECHOREPLY_TYPE);
		return 0;
	case IPPROTO_ICMPV6:
		if ((void *)(icmp + 1) > data_end)
			return -DROP_CT_INVALID_HDR;
		icmp_echo_ports(pkt, icmp, ICMPV6_ECHO_REQUEST_TYPE, ICMPV6_ECHO_REPLY_TYPE);
		return 0;
	default:
		return 0;
	}
}

static __always_inline int is_neighbour_discovery(const struct packet *pkt)
{
	return pkt->protocol == IPPROTO_ICMPV6 && pkt->icmp_type >= ICMPV6_ND_FIRST_TYPE &&
	       pkt->icmp_type <= ICMPV6_ND_LAST_TYPE;
}

#endif /* MEMBRANE_PACKET_H */
