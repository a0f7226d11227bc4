/* EXAMPLE of a generated header, for bpf/test/ only. The agent writes the real node_config.h from
 * its MapRegistry and configuration (contract: bpf/README.md). Do not include this directory in a
 * production build. */
#ifndef MEMBRANE_NODE_CONFIG_H
#define MEMBRANE_NODE_CONFIG_H

/* Global maps: kernel name (the agent pins it under the long name, bpf/README.md) and size. */
#define EVENTS_MAP        mbr_events
#define EVENTS_MAP_SIZE   2 /* possible CPUs */
#define METRICS_MAP       mbr_metrics
#define METRICS_MAP_SIZE  1024
#define IPCACHE_MAP       mbr_ipcache
#define IPCACHE_MAP_SIZE  512000
#define LXC_MAP           mbr_lxc
#define LXC_MAP_SIZE      65535
#define CT4_MAP           mbr_ct4
#define CT4_MAP_SIZE      262144
#define CT6_MAP           mbr_ct6
#define CT6_MAP_SIZE      262144
#define NOTIFY_BUDGET_MAP mbr_notify_bdgt

/* This node's addresses (network order). */
#define NODE_IPV4 bpf_htonl(0x0ad30001) /* 10.211.0.1 */

/* Features. */
#define ENABLE_IPV4 1
#define ENABLE_IPV6 1

/* Prefilter drop notifications per CPU per second (metrics count every drop regardless). */
#define PREFILTER_NOTIFY_BUDGET 5

#endif /* MEMBRANE_NODE_CONFIG_H */
