// Small programs for the loader tests: two XDP programs to swap, a tc program, and one map whose value is a
// struct with a known layout, so the BTF check has something to compare.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct test_pair {
	__u32 id;
	__u16 port;
	__u8 proto;
	__u8 pad;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct test_pair);
	__uint(max_entries, 16);
} test_values SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 2);
} test_events SEC(".maps");

static __always_inline void count(__u64 len)
{
	__u32 key = 0;
	struct test_pair *v = bpf_map_lookup_elem(&test_values, &key);

	if (v)
		__sync_fetch_and_add(&v->bytes, len);
}

SEC("xdp")
int xdp_pass_a(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xdp_pass_b(struct xdp_md *ctx)
{
	count(ctx->data_end - ctx->data);
	return XDP_PASS;
}

SEC("xdp")
int xdp_emit(struct xdp_md *ctx)
{
	struct test_pair ev = { .id = 7, .port = 8080, .proto = 6, .bytes = ctx->data_end - ctx->data };

	bpf_perf_event_output(ctx, &test_events, BPF_F_CURRENT_CPU, &ev, sizeof(ev));
	return XDP_PASS;
}

SEC("tc")
int tc_count(struct __sk_buff *skb)
{
	count(skb->len);
	return TC_ACT_OK;
}

SEC("tc")
int tc_pass(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
