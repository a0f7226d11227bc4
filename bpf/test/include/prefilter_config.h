/* EXAMPLE of a generated header, for bpf/test/ only. The agent's Prefilter writes the real one
 * (contract: bpf/README.md). */
#ifndef MEMBRANE_PREFILTER_CONFIG_H
#define MEMBRANE_PREFILTER_CONFIG_H

#define CIDR4_FIX_MAP      mbr_cidr4_fix
#define CIDR4_FIX_MAP_SIZE 65536
#define CIDR4_DYN_MAP      mbr_cidr4_dyn
#define CIDR4_DYN_MAP_SIZE 65536
#define CIDR6_FIX_MAP      mbr_cidr6_fix
#define CIDR6_FIX_MAP_SIZE 65536
#define CIDR6_DYN_MAP      mbr_cidr6_dyn
#define CIDR6_DYN_MAP_SIZE 65536

#endif /* MEMBRANE_PREFILTER_CONFIG_H */
