// SPDX-License-Identifier: GPL-2.0
/* bench_xdp_minimal.c — a floor of `bin/membrane bench datapath`: an XDP program that only passes the
 * frame. What BPF_PROG_TEST_RUN costs per run with no work at all. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_xdp_minimal(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
