/*
 * maps_bench: the C baseline for `membrane bench maps`.
 *
 * Creates a BPF_MAP_TYPE_HASH (u32 key, u64 value, <entries> max entries) with libbpf and times, with
 * CLOCK_MONOTONIC, passes of one bpf_map_update_elem(BPF_ANY) per key and passes of one bpf_map_lookup_elem
 * per key over keys 0..entries-1, and passes of one bpf_map_update_batch over all of them. One untimed pass of
 * each comes first so that every timed pass overwrites and finds existing keys, as on the Java side. Prints one
 * JSON line: the median ns per operation and the median ns per pass (all keys).
 *
 *   gcc -O2 -o maps_bench maps_bench.c -lbpf && sudo ./maps_bench [entries [passes]]
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "maps_bench: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
	exit(1);
}

static uint64_t update_pass(int fd, uint32_t n, uint64_t salt)
{
	uint64_t start = now_ns();

	for (uint32_t k = 0; k < n; k++) {
		uint64_t v = k + salt;
		int rc = bpf_map_update_elem(fd, &k, &v, BPF_ANY);

		if (rc < 0)
			die("bpf_map_update_elem", rc);
	}
	return now_ns() - start;
}

static uint64_t lookup_pass(int fd, uint32_t n, uint64_t *sum)
{
	uint64_t start = now_ns();

	for (uint32_t k = 0; k < n; k++) {
		uint64_t v;
		int rc = bpf_map_lookup_elem(fd, &k, &v);

		if (rc < 0)
			die("bpf_map_lookup_elem", rc);
		*sum += v;
	}
	return now_ns() - start;
}

static uint64_t batch_pass(int fd, uint32_t n, uint32_t *keys, uint64_t *values, uint64_t salt)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	uint32_t count = n;
	uint64_t start;
	int rc;

	/* Filling the arrays is part of the work, as encoding is for the Java batch. */
	start = now_ns();
	for (uint32_t i = 0; i < n; i++) {
		keys[i] = i;
		values[i] = i + salt;
	}
	rc = bpf_map_update_batch(fd, keys, values, &count, &opts);
	if (rc < 0)
		die("bpf_map_update_batch", rc);
	return now_ns() - start;
}

int main(int argc, char **argv)
{
	uint32_t entries = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 10000;
	int passes = argc > 2 ? atoi(argv[2]) : 5;
	uint64_t *upd, *look, *batch, sum = 0;
	uint32_t *keys;
	uint64_t *values;
	int fd;

	if (entries == 0 || passes <= 0) {
		fprintf(stderr, "usage: %s [entries>0 [passes>0]]\n", argv[0]);
		return 2;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "mbr_bench_c", sizeof(uint32_t), sizeof(uint64_t), entries,
	                    NULL);
	if (fd < 0)
		die("bpf_map_create", fd);

	upd = calloc(passes, sizeof(*upd));
	look = calloc(passes, sizeof(*look));
	batch = calloc(passes, sizeof(*batch));
	keys = calloc(entries, sizeof(*keys));
	values = calloc(entries, sizeof(*values));
	if (!upd || !look || !batch || !keys || !values)
		die("calloc", ENOMEM);

	update_pass(fd, entries, 0);
	lookup_pass(fd, entries, &sum);
	batch_pass(fd, entries, keys, values, 0);
	for (int p = 0; p < passes; p++) {
		upd[p] = update_pass(fd, entries, p + 1);
		look[p] = lookup_pass(fd, entries, &sum);
		batch[p] = batch_pass(fd, entries, keys, values, p + 1);
	}

	uint64_t upd_pass = median(upd, passes), look_pass = median(look, passes);
	uint64_t batch_ns = median(batch, passes);

	printf("{\"entries\":%u,\"passes\":%d,\"update_ns_per_op\":%.1f,\"lookup_ns_per_op\":%.1f,"
	       "\"update_pass_ns\":%llu,\"lookup_pass_ns\":%llu,\"batch_update_ns\":%llu,\"checksum\":%llu}"
	       "\n",
	       entries, passes, (double)upd_pass / entries, (double)look_pass / entries,
	       (unsigned long long)upd_pass, (unsigned long long)look_pass, (unsigned long long)batch_ns,
	       (unsigned long long)sum);
	close(fd);
	return 0;
}
