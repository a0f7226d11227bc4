/* SPDX-License-Identifier: GPL-2.0 */
/* The one numbered list of packet fates, shared with Java (metrics_key.reason, notify_hdr.subtype of a
 * drop notification). Numbers follow Cilium's bpf/lib/common.h where Cilium has the same meaning; a
 * value of 130 or more (or 2) is a drop, below 130 a non-drop reason. Functions return them negated
 * (-DROP_POLICY) so that 0 and positive values can mean "go on". Never renumber: add at the end. */
#ifndef MEMBRANE_DROP_REASONS_H
#define MEMBRANE_DROP_REASONS_H

/* An enum rather than macros so that the numbers reach the objects' BTF (events.h keeps a variable of
 * this type), where the agent's test checks Java's DropReason against them. */
enum drop_reason {
	REASON_FORWARDED = 0, /* passed: counted in metrics only, never notified */

	DROP_INVALID_SIP = 132,      /* lxc egress: endpoint sent from an address that is not its own */
	DROP_POLICY = 133,           /* lxc: no policy entry allows the new flow (default deny) */
	DROP_INVALID = 134,          /* xdp, lxc: malformed or truncated L3 header */
	DROP_CT_INVALID_HDR = 135,   /* lxc: truncated L4 header, no ports for conntrack/policy */
	DROP_CT_UNKNOWN_PROTO = 137, /* reserved: L4 protocol conntrack cannot track (not emitted yet) */
	DROP_UNSUPPORTED_L3 = 139,   /* lxc: IPv4/IPv6 frame while that family is disabled in node_config.h */
	DROP_CT_CREATE_FAILED = 155, /* lxc: the CT map refused the new entry */
	DROP_FRAG_NOSUPPORT = 157, /* lxc: IP fragment without L4 header (fragment tracking not supported) */
	DROP_POLICY_DENY = 181,    /* lxc: a deny entry matched (deny wins over allows) */

	/* Membrane's own numbers, in a range Cilium leaves free (recent Cilium numbers up to 205; 200 is
	 * its DROP_IGMP_SUBSCRIBED, so 200 is not free). */
	DROP_PREFILTER = 240, /* xdp: source address in a CIDR deny map */
};

#endif /* MEMBRANE_DROP_REASONS_H */
