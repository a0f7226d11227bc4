/* EXAMPLE of a generated header, for bpf/test/ only. The agent writes one per endpoint, in that
 * endpoint's build directory (contract: bpf/README.md). */
#ifndef MEMBRANE_EP_CONFIG_H
#define MEMBRANE_EP_CONFIG_H

#define LXC_ID      42
#define LXC_IFINDEX 0                     /* host-side veth; unknown to the example */
#define LXC_IPV4    bpf_htonl(0x0ad30002) /* 10.211.0.2 */
#define LXC_IPV6                                                                    \
	{                                                                           \
		0x20, 0x01, 0x0d, 0xb8, 0x02, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02 \
	} /* 2001:db8:211::2 */
#define SECLABEL        1042
#define POLICY_MAP      mbr_pol_00042
#define POLICY_MAP_SIZE 16384

#endif /* MEMBRANE_EP_CONFIG_H */
