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
 * An administrator wrote the sysctl: @listed holds the ports that one
 * call of proc_do_large_bitmap() parsed. The kernel hands a write longer
 * than a page to the handler in chunks: the first (@replaced, at offset
 * 0) replaces the bitmap, every later one adds its ports to it. Either
 * way a port the administrator listed is the administrator's from then
 * on, even if portres had set it too, so a release or an unload leaves
 * it set. Publish one word at a time so that no wanted port is ever
 * clear in @sys.
 */
void portres_bits_merge(struct portres_bits *b, unsigned long *sys,
			const unsigned long *listed, bool replaced,
			portres_wanted_fn wanted, void *ctx)
{
	unsigned int w, i;

	for (w = 0; w < BITS_TO_LONGS(PORTRES_NR_PORTS); w++) {
		unsigned long word = listed[w];

		if (!replaced) {
			/* Every port portres wants is set in @sys already. */
			if (b->owned)
				b->owned[w] &= ~word;
			WRITE_ONCE(sys[w], sys[w] | word);
			continue;
		}
		for (i = 0; b->owned && i < BITS_PER_LONG; i++) {
			u32 p = w * BITS_PER_LONG + i;

			if (!(word & BIT(i)) && wanted(ctx, p)) {
				__set_bit(p, b->owned);
				word |= BIT(i);
			} else {
				__clear_bit(p, b->owned);
			}
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
