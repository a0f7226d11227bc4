/* SPDX-License-Identifier: GPL-2.0 */
/* Shim: `clang -target bpf` does not search the host's multiarch include directory, where the uapi
 * <asm/...> headers live. The uapi headers we include only need the generic versions. See README.md. */
#include <asm-generic/types.h>
