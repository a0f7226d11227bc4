/* SPDX-License-Identifier: GPL-2.0 */
/* Shim for `clang -target bpf` (see asm/types.h): -target bpf means the host's byte order. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#include <linux/byteorder/little_endian.h>
#else
#include <linux/byteorder/big_endian.h>
#endif
