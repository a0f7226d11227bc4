/* SPDX-License-Identifier: GPL-2.0 */
/* The one numbered list of packet fates, shared with Java (metrics_key.reason, notify_hdr.subtype of a
 * drop notification). Numbers follow Cilium's bpf/lib/common.h where Cilium has the same meaning; a
 * value of 130 or more (or 2) is a drop, below 130 a non-drop reason. Functions return them negated
 * (-DROP_POLICY) so that 0 and positive values can mean "go on". Never renumber: add at the end. */
#ifndef MEMBRANE_DROP_REASONS_H
#define MEMBRANE_DROP_REASONS_H

#define REASON_FORWARDED	0	/* passed: counted in metrics only, never notified */

#define DROP_INVALID_SIP	132	/* endpoint sent with a source address that is not its own */
#define DROP_POLICY		133	/* no policy entry allows the flow (default deny) */
#define DROP_INVALID		134	/* malformed or truncated L3 header */
#define DROP_CT_INVALID_HDR	135	/* truncated L4 header: no ports for conntrack/policy */
#define DROP_CT_UNKNOWN_PROTO	137	/* reserved: L4 protocol conntrack cannot track (not emitted yet) */
#define DROP_UNSUPPORTED_L3	139	/* IPv4/IPv6 frame while that family is disabled in node_config.h */
#define DROP_CT_CREATE_FAILED	155	/* the CT map refused the new entry */
#define DROP_FRAG_NOSUPPORT	157	/* IP fragment without L4 header (fragment tracking not supported) */
#define DROP_POLICY_DENY	181	/* a deny entry matched (deny wins over allows) */

/* Membrane's own numbers, in a range Cilium leaves free (recent Cilium numbers up to 205; 200 is its
 * DROP_IGMP_SUBSCRIBED). */
#define DROP_PREFILTER		240	/* XDP prefilter: source address in a CIDR deny map */

#endif /* MEMBRANE_DROP_REASONS_H */
