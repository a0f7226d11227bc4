/* EXAMPLE of a generated header, for bpf/test/ only. The agent writes one for every endpoint of a
 * configuration (contract: bpf/README.md): the policy map's definition and size, no endpoint's values.
 * Those are constants the agent sets at each load; bpftool sets none, so this example gives the
 * defaults it loads with (the agent never defines EP_CONFIG_DEFAULT). */
#ifndef MEMBRANE_EP_CONFIG_H
#define MEMBRANE_EP_CONFIG_H

#define POLICY_MAP      mbr_pol_00042
#define POLICY_MAP_SIZE 16384

/* Endpoint 42, identity 1042, 10.211.0.2 and 2001:db8:211::2. */
#define EP_CONFIG_DEFAULT                                                                        \
	{                                                                                        \
		.lxc_id = 42, .ifindex = 0, .seclabel = 1042, .ipv4 = bpf_htonl(0x0ad30002),     \
		.ipv6 = { 0x20, 0x01, 0x0d, 0xb8, 0x02, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02 }, \
	}

#endif /* MEMBRANE_EP_CONFIG_H */
