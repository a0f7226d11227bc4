/* SPDX-License-Identifier: GPL-2.0 */
/* Shim for `clang -target bpf` (see asm/types.h): BPF longs are 64 bits. */
#define __BITS_PER_LONG 64
#include <asm-generic/bitsperlong.h>
