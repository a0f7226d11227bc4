/* SPDX-License-Identifier: GPL-2.0 */
/* Shim for `clang -target bpf` (see asm/types.h). */
#include <asm-generic/posix_types.h>
