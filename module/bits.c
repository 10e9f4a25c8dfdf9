// SPDX-License-Identifier: GPL-2.0
/*
 * portres sets the reserved-port bits of its blocks, remembers which bits
 * it set, and clears only those: an administrator's bits survive every
 * acquire, release and unload.
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/slab.h>

#include "bits.h"

int portres_bits_claim(struct portres_bits *b, unsigned long *sys,
		       u16 first, u16 last)
{
	u32 p;

	if (!b->owned) {
		b->owned = bitmap_zalloc(PORTRES_NR_PORTS, GFP_KERNEL_ACCOUNT);
		if (!b->owned)
			return -ENOMEM;
	}
	for (p = first; p <= last; p++) {
		if (test_bit(p, b->owned))
			continue;
		/* A bit already set is the administrator's: leave it so. */
		if (!test_and_set_bit(p, sys))
			__set_bit(p, b->owned);
	}
	return 0;
}

void portres_bits_unclaim(struct portres_bits *b, unsigned long *sys,
			  u16 first, u16 last, portres_wanted_fn wanted,
			  void *ctx)
{
	u32 p;

	if (!b->owned)
		return;
	for (p = first; p <= last; p++) {
		if (!test_bit(p, b->owned) || wanted(ctx, p))
			continue;
		clear_bit(p, sys);
		__clear_bit(p, b->owned);
	}
}

/*
 * An administrator wrote the sysctl: @admin is what the write produced.
 * Publish admin | wanted one word at a time so that no wanted port is ever
 * clear in @sys. After a full rewrite (@replaced) the ports the
 * administrator listed become the administrator's; after an appending
 * write ownership stays as it was.
 */
void portres_bits_merge(struct portres_bits *b, unsigned long *sys,
			const unsigned long *admin, bool replaced,
			portres_wanted_fn wanted, void *ctx)
{
	unsigned int w, i;

	for (w = 0; w < BITS_TO_LONGS(PORTRES_NR_PORTS); w++) {
		unsigned long word = admin[w];

		for (i = 0; i < BITS_PER_LONG; i++) {
			u32 p = w * BITS_PER_LONG + i;

			if (!b->owned || !wanted(ctx, p))
				continue;
			if (!(word & BIT(i)))
				__set_bit(p, b->owned);
			else if (replaced)
				__clear_bit(p, b->owned);
			word |= BIT(i);
		}
		WRITE_ONCE(sys[w], word);
	}
}

/* Clears every bit portres set; the module or the namespace is going. */
void portres_bits_release_all(struct portres_bits *b, unsigned long *sys)
{
	u32 p;

	if (!b->owned)
		return;
	for_each_set_bit(p, b->owned, PORTRES_NR_PORTS)
		clear_bit(p, sys);
	bitmap_free(b->owned);
	b->owned = NULL;
}
