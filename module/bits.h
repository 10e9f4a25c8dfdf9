/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ownership of bits in a namespace's ip_local_reserved_ports bitmap, the
 * kernel's own way of keeping ports away from ephemeral selection.
 */
#ifndef _PORTRES_BITS_H
#define _PORTRES_BITS_H

#include <linux/types.h>

#define PORTRES_NR_PORTS 65536

/* Whether portres still wants the port kept out of ephemeral selection. */
typedef bool (*portres_wanted_fn)(void *ctx, u16 port);

struct portres_bits {
	/*
	 * Bits of the sysctl bitmap that portres set (an administrator had
	 * not). Allocated on first use; changed under the table lock.
	 */
	unsigned long *owned;
};

int portres_bits_claim(struct portres_bits *b, unsigned long *sys,
		       u16 first, u16 last);
void portres_bits_unclaim(struct portres_bits *b, unsigned long *sys,
			  u16 first, u16 last, portres_wanted_fn wanted,
			  void *ctx);
void portres_bits_merge(struct portres_bits *b, unsigned long *sys,
			const unsigned long *listed, bool replaced,
			portres_wanted_fn wanted, void *ctx);
void portres_bits_release_all(struct portres_bits *b, unsigned long *sys);

#endif /* _PORTRES_BITS_H */
