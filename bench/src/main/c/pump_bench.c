/*
 * pump_bench: the C baseline of the event pump in `membrane bench agent`.
 *
 * Opens a pinned BPF_MAP_TYPE_PERF_EVENT_ARRAY (the bench's copy of membrane_events) and reads it through
 * libbpf's perf buffer with <pages> pages per CPU ring, as the agent's EventPump does (perf_buffer__new, so
 * the same wakeup per sample). For every sample it does the minimal decode the pump does: copies the sample
 * out of the ring, checks the notify_hdr (type, length) and reads the drop reason, identities, addresses,
 * ports and protocol of a drop_notify, then notes CLOCK_MONOTONIC (the clock of Java's System.nanoTime).
 *
 * Protocol with the bench: prints "ready" once the perf buffer owns the map's slots; then polls until it has
 * seen <events> samples plus lost ones, or nothing arrived for <idle_ms> after the first sample, or
 * <timeout_ms> passed. Prints one JSON line: samples, drops, decode errors, lost (as the kernel reported
 * them), the monotonic times of the first and the last sample, and the CPU time (user + system) it used from
 * "ready" to the end. With <cpu> >= 0 it first pins itself to that CPU.
 *
 *   gcc -O2 -o pump_bench pump_bench.c -lbpf
 *   ./pump_bench /sys/fs/bpf/.../membrane_events 64 100000 [timeout_ms [idle_ms [cpu]]]
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* The layout of bpf/lib/events.h (struct drop_notify, 64 bytes). */
struct drop_notify {
	uint8_t type;
	uint8_t subtype;
	uint16_t source;
	uint32_t len;
	uint32_t src_identity;
	uint32_t dst_identity;
	uint32_t ifindex;
	uint32_t orig_len;
	uint8_t saddr[16];
	uint8_t daddr[16];
	uint16_t sport;
	uint16_t dport;
	uint8_t protocol;
	uint8_t direction;
	uint8_t family;
	uint8_t pad;
};

_Static_assert(sizeof(struct drop_notify) == 64, "drop_notify");

#define NOTIFY_DROP 1

struct state {
	uint64_t samples;
	uint64_t drops;
	uint64_t decode_errors;
	uint64_t lost;
	uint64_t first_ns;
	uint64_t last_ns;
	uint64_t checksum; /* keeps the decode from being optimised away */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* User + system CPU time of this process. */
static uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct state *s = ctx;
	struct drop_notify n;

	s->samples++;
	if (size < 8) {
		s->decode_errors++;
	} else {
		memcpy(&n, data, size < sizeof(n) ? size : sizeof(n));
		if (n.type == NOTIFY_DROP && (size < sizeof(n) || n.len < sizeof(n))) {
			s->decode_errors++;
		} else if (n.type == NOTIFY_DROP) {
			uint32_t saddr, daddr;

			memcpy(&saddr, n.saddr, 4);
			memcpy(&daddr, n.daddr, 4);
			s->drops++;
			s->checksum += n.subtype + n.source + n.src_identity + n.dst_identity + n.ifindex +
			               n.orig_len + saddr + daddr + n.sport + n.dport + n.protocol +
			               n.direction + n.family + cpu;
		}
	}
	s->last_ns = now_ns();
	if (s->first_ns == 0)
		s->first_ns = s->last_ns;
}

static void on_lost(void *ctx, int cpu, __u64 count)
{
	struct state *s = ctx;

	(void)cpu;
	s->lost += count;
}

int main(int argc, char **argv)
{
	struct state s = { 0 };
	struct perf_buffer *pb;
	uint64_t events, start, timeout_ns, idle_ns, cpu_start, cpu_used;
	int fd, pages, pin;

	if (argc < 4) {
		fprintf(stderr,
		        "usage: %s PINNED_EVENTS_MAP PAGES_PER_CPU EVENTS [TIMEOUT_MS [IDLE_MS [CPU]]]\n",
		        argv[0]);
		return 2;
	}
	pages = atoi(argv[2]);
	events = strtoull(argv[3], NULL, 10);
	timeout_ns = (argc > 4 ? strtoull(argv[4], NULL, 10) : 60000) * 1000000ull;
	idle_ns = (argc > 5 ? strtoull(argv[5], NULL, 10) : 2000) * 1000000ull;
	pin = argc > 6 ? atoi(argv[6]) : -1;

	if (pin >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(pin, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			fprintf(stderr, "pump_bench: sched_setaffinity %d: %s\n", pin, strerror(errno));
			return 1;
		}
	}
	fd = bpf_obj_get(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "pump_bench: bpf_obj_get %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	pb = perf_buffer__new(fd, pages, on_sample, on_lost, &s, NULL);
	if (!pb) {
		fprintf(stderr, "pump_bench: perf_buffer__new: %s\n", strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	start = now_ns();
	cpu_start = cpu_ns();
	while (s.samples + s.lost < events) {
		int rc = perf_buffer__poll(pb, 100);
		uint64_t now;

		if (rc < 0 && rc != -EINTR) {
			fprintf(stderr, "pump_bench: perf_buffer__poll: %s\n", strerror(-rc));
			return 1;
		}
		now = now_ns();
		if (now - start > timeout_ns)
			break;
		if (s.first_ns && now - s.last_ns > idle_ns)
			break;
	}
	cpu_used = cpu_ns() - cpu_start;
	perf_buffer__free(pb);
	printf("{\"samples\":%llu,\"drops\":%llu,\"decode_errors\":%llu,\"lost\":%llu,\"first_ns\":%llu,"
	       "\"last_ns\":%llu,\"cpu_ns\":%llu,\"checksum\":%llu}\n",
	       (unsigned long long)s.samples, (unsigned long long)s.drops,
	       (unsigned long long)s.decode_errors, (unsigned long long)s.lost,
	       (unsigned long long)s.first_ns, (unsigned long long)s.last_ns, (unsigned long long)cpu_used,
	       (unsigned long long)s.checksum);
	return 0;
}
