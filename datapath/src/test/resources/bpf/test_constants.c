// One program whose verdict comes from .rodata, for the template tests: set before load, a constant after.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct test_config {
	__u32 verdict;
	__u32 tag;
};

/* Unset (all zero), the program aborts: a load that forgot its constants cannot pass traffic. */
const volatile struct test_config CONFIG = {};
const volatile __u16 PORT = 0;

SEC("xdp")
int xdp_configured(struct xdp_md *ctx)
{
	if (CONFIG.tag == 0)
		return XDP_ABORTED;
	if (PORT == 1)
		return XDP_TX;
	return CONFIG.verdict;
}

char LICENSE[] SEC("license") = "GPL";
