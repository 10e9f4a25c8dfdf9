// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the reserved-port bit ownership (bits.c) on a private
 * bitmap standing in for ip_local_reserved_ports: portres clears only
 * what it set, an administrator's bits survive, and a rewrite of the
 * sysctl never opens a wanted port.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/slab.h>

#include "bits.h"

struct bits_ctx {
	struct portres_bits b;
	unsigned long *sys;
	unsigned long *wanted;	/* what the "table" still covers */
};

static int bits_test_init(struct kunit *test)
{
	struct bits_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	c->sys = kunit_kzalloc(test, BITS_TO_LONGS(PORTRES_NR_PORTS) *
			       sizeof(long), GFP_KERNEL);
	c->wanted = kunit_kzalloc(test, BITS_TO_LONGS(PORTRES_NR_PORTS) *
				  sizeof(long), GFP_KERNEL);
	if (!c->sys || !c->wanted)
		return -ENOMEM;
	test->priv = c;
	return 0;
}

static void bits_test_exit(struct kunit *test)
{
	struct bits_ctx *c = test->priv;

	bitmap_free(c->b.owned);
}

static bool wanted(void *ctx, u16 port)
{
	struct bits_ctx *c = ctx;

	return test_bit(port, c->wanted);
}

static unsigned int sys_weight(struct bits_ctx *c)
{
	return bitmap_weight(c->sys, PORTRES_NR_PORTS);
}

static void bits_claim_sets_and_owns(struct kunit *test)
{
	struct bits_ctx *c = test->priv;

	KUNIT_ASSERT_EQ(test, portres_bits_claim(&c->b, c->sys, 5000, 5009), 0);
	KUNIT_ASSERT_NOT_NULL(test, c->b.owned);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 10U);
	KUNIT_EXPECT_TRUE(test, test_bit(5000, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(5009, c->sys));
	KUNIT_EXPECT_FALSE(test, test_bit(5010, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(5005, c->b.owned));
	KUNIT_EXPECT_EQ(test, bitmap_weight(c->b.owned, PORTRES_NR_PORTS), 10U);
}

static void bits_admin_bits_untouched(struct kunit *test)
{
	struct bits_ctx *c = test->priv;

	/* The administrator reserved 5003 and 5020 before portres did. */
	__set_bit(5003, c->sys);
	__set_bit(5020, c->sys);
	KUNIT_ASSERT_EQ(test, portres_bits_claim(&c->b, c->sys, 5000, 5009), 0);
	KUNIT_EXPECT_FALSE(test, test_bit(5003, c->b.owned));
	portres_bits_unclaim(&c->b, c->sys, 5000, 5009, wanted, c);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 2U);
	KUNIT_EXPECT_TRUE(test, test_bit(5003, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(5020, c->sys));
	KUNIT_EXPECT_TRUE(test, bitmap_empty(c->b.owned, PORTRES_NR_PORTS));
}

static void bits_unclaim_keeps_wanted(struct kunit *test)
{
	struct bits_ctx *c = test->priv;

	/* Two reservations of the two protocols share ports 100-104. */
	KUNIT_ASSERT_EQ(test, portres_bits_claim(&c->b, c->sys, 100, 109), 0);
	KUNIT_ASSERT_EQ(test, portres_bits_claim(&c->b, c->sys, 100, 104), 0);
	bitmap_set(c->wanted, 100, 5);
	portres_bits_unclaim(&c->b, c->sys, 100, 109, wanted, c);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 5U);
	KUNIT_EXPECT_TRUE(test, test_bit(104, c->sys));
	KUNIT_EXPECT_FALSE(test, test_bit(105, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(100, c->b.owned));
	bitmap_zero(c->wanted, PORTRES_NR_PORTS);
	portres_bits_unclaim(&c->b, c->sys, 100, 104, wanted, c);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 0U);
}

static void bits_edges_of_port_space(struct kunit *test)
{
	struct bits_ctx *c = test->priv;

	KUNIT_ASSERT_EQ(test, portres_bits_claim(&c->b, c->sys, 65535, 65535), 0);
	KUNIT_ASSERT_EQ(test, portres_bits_claim(&c->b, c->sys, 1, 1), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(65535, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(1, c->sys));
	KUNIT_EXPECT_FALSE(test, test_bit(0, c->sys));
	KUNIT_EXPECT_EQ(test, sys_weight(c), 2U);
	portres_bits_unclaim(&c->b, c->sys, 65535, 65535, wanted, c);
	portres_bits_unclaim(&c->b, c->sys, 1, 1, wanted, c);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 0U);
}

static void bits_full_range_release_all(struct kunit *test)
{
	struct bits_ctx *c = test->priv;

	__set_bit(80, c->sys);
	__set_bit(65000, c->sys);
	KUNIT_ASSERT_EQ(test, portres_bits_claim(&c->b, c->sys, 1, 65535), 0);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 65535U);
	KUNIT_EXPECT_EQ(test, bitmap_weight(c->b.owned, PORTRES_NR_PORTS),
			65533U);
	portres_bits_release_all(&c->b, c->sys);
	KUNIT_EXPECT_NULL(test, c->b.owned);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 2U);
	KUNIT_EXPECT_TRUE(test, test_bit(80, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(65000, c->sys));
}

static void bits_claim_idempotent(struct kunit *test)
{
	struct bits_ctx *c = test->priv;

	KUNIT_ASSERT_EQ(test, portres_bits_claim(&c->b, c->sys, 300, 310), 0);
	KUNIT_ASSERT_EQ(test, portres_bits_claim(&c->b, c->sys, 300, 310), 0);
	KUNIT_EXPECT_EQ(test, bitmap_weight(c->b.owned, PORTRES_NR_PORTS), 11U);
	portres_bits_unclaim(&c->b, c->sys, 300, 310, wanted, c);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 0U);
}

static void bits_nothing_owned(struct kunit *test)
{
	struct bits_ctx *c = test->priv;

	__set_bit(42, c->sys);
	/* No claim yet: unclaim and release_all leave the bitmap alone. */
	portres_bits_unclaim(&c->b, c->sys, 1, 65535, wanted, c);
	portres_bits_release_all(&c->b, c->sys);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 1U);
	KUNIT_EXPECT_NULL(test, c->b.owned);
}

static void bits_merge_after_rewrite(struct kunit *test)
{
	struct bits_ctx *c = test->priv;
	unsigned long *admin;

	admin = kunit_kzalloc(test, BITS_TO_LONGS(PORTRES_NR_PORTS) *
			      sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, admin);
	KUNIT_ASSERT_EQ(test, portres_bits_claim(&c->b, c->sys, 2000, 2009), 0);
	bitmap_set(c->wanted, 2000, 10);
	/* "echo 8080,2005 > ip_local_reserved_ports" replaces everything. */
	__set_bit(8080, admin);
	__set_bit(2005, admin);
	portres_bits_merge(&c->b, c->sys, admin, true, wanted, c);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 11U);
	KUNIT_EXPECT_TRUE(test, test_bit(8080, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(2009, c->sys));
	/* 2005 is the administrator's now: it stays after the release. */
	KUNIT_EXPECT_FALSE(test, test_bit(2005, c->b.owned));
	bitmap_zero(c->wanted, PORTRES_NR_PORTS);
	portres_bits_unclaim(&c->b, c->sys, 2000, 2009, wanted, c);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 2U);
	KUNIT_EXPECT_TRUE(test, test_bit(2005, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(8080, c->sys));
}

static void bits_merge_cleared_by_admin(struct kunit *test)
{
	struct bits_ctx *c = test->priv;
	unsigned long *admin;

	admin = kunit_kzalloc(test, BITS_TO_LONGS(PORTRES_NR_PORTS) *
			      sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, admin);
	/* The administrator had 3000 before portres reserved 3000-3001. */
	__set_bit(3000, c->sys);
	KUNIT_ASSERT_EQ(test, portres_bits_claim(&c->b, c->sys, 3000, 3001), 0);
	bitmap_set(c->wanted, 3000, 2);
	/* "echo > ip_local_reserved_ports": the admin clears everything. */
	portres_bits_merge(&c->b, c->sys, admin, true, wanted, c);
	/* Still reserved, and both ports are portres' now. */
	KUNIT_EXPECT_TRUE(test, test_bit(3000, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(3001, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(3000, c->b.owned));
	bitmap_zero(c->wanted, PORTRES_NR_PORTS);
	portres_bits_unclaim(&c->b, c->sys, 3000, 3001, wanted, c);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 0U);
}

static void bits_merge_append(struct kunit *test)
{
	struct bits_ctx *c = test->priv;
	unsigned long *admin;

	admin = kunit_kzalloc(test, BITS_TO_LONGS(PORTRES_NR_PORTS) *
			      sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, admin);
	__set_bit(4200, c->sys);
	KUNIT_ASSERT_EQ(test, portres_bits_claim(&c->b, c->sys, 4000, 4001), 0);
	bitmap_set(c->wanted, 4000, 2);
	/*
	 * A later chunk of a long write (offset > 0) lists 4000 and 4100: it
	 * adds them, and 4000 is the administrator's from now on.
	 */
	__set_bit(4000, admin);
	__set_bit(4100, admin);
	portres_bits_merge(&c->b, c->sys, admin, false, wanted, c);
	KUNIT_EXPECT_FALSE(test, test_bit(4000, c->b.owned));
	KUNIT_EXPECT_TRUE(test, test_bit(4001, c->b.owned));
	KUNIT_EXPECT_TRUE(test, test_bit(4100, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(4200, c->sys));
	KUNIT_EXPECT_EQ(test, sys_weight(c), 4U);
	bitmap_zero(c->wanted, PORTRES_NR_PORTS);
	portres_bits_unclaim(&c->b, c->sys, 4000, 4001, wanted, c);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 3U);
	KUNIT_EXPECT_TRUE(test, test_bit(4000, c->sys));
	KUNIT_EXPECT_FALSE(test, test_bit(4001, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(4100, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(4200, c->sys));
}

static void bits_merge_chunks(struct kunit *test)
{
	struct bits_ctx *c = test->priv;
	unsigned long *chunk;

	chunk = kunit_kzalloc(test, BITS_TO_LONGS(PORTRES_NR_PORTS) *
			      sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, chunk);
	__set_bit(6000, c->sys);
	KUNIT_ASSERT_EQ(test, portres_bits_claim(&c->b, c->sys, 22000, 22009),
			0);
	bitmap_set(c->wanted, 22000, 10);
	/* One write in two chunks: "1-1000,...," then "...,22005". */
	bitmap_set(chunk, 1, 1000);
	portres_bits_merge(&c->b, c->sys, chunk, true, wanted, c);
	KUNIT_EXPECT_FALSE(test, test_bit(6000, c->sys));
	KUNIT_EXPECT_EQ(test, sys_weight(c), 1010U);
	bitmap_zero(chunk, PORTRES_NR_PORTS);
	__set_bit(22005, chunk);
	portres_bits_merge(&c->b, c->sys, chunk, false, wanted, c);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 1010U);
	KUNIT_EXPECT_FALSE(test, test_bit(22005, c->b.owned));
	KUNIT_EXPECT_EQ(test, bitmap_weight(c->b.owned, PORTRES_NR_PORTS), 9U);
	/* The release leaves what the administrator wrote, 22005 too. */
	bitmap_zero(c->wanted, PORTRES_NR_PORTS);
	portres_bits_unclaim(&c->b, c->sys, 22000, 22009, wanted, c);
	KUNIT_EXPECT_EQ(test, sys_weight(c), 1001U);
	KUNIT_EXPECT_TRUE(test, test_bit(22005, c->sys));
	KUNIT_EXPECT_TRUE(test, test_bit(1000, c->sys));
	KUNIT_EXPECT_FALSE(test, test_bit(22004, c->sys));
}

static void bits_merge_nothing_owned(struct kunit *test)
{
	struct bits_ctx *c = test->priv;
	unsigned long *admin;

	admin = kunit_kzalloc(test, BITS_TO_LONGS(PORTRES_NR_PORTS) *
			      sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, admin);
	__set_bit(1, c->sys);
	__set_bit(7, admin);
	__set_bit(65535, admin);
	portres_bits_merge(&c->b, c->sys, admin, true, wanted, c);
	KUNIT_EXPECT_TRUE(test, bitmap_equal(c->sys, admin, PORTRES_NR_PORTS));
}

static struct kunit_case portres_bits_cases[] = {
	KUNIT_CASE(bits_claim_sets_and_owns),
	KUNIT_CASE(bits_admin_bits_untouched),
	KUNIT_CASE(bits_unclaim_keeps_wanted),
	KUNIT_CASE(bits_edges_of_port_space),
	KUNIT_CASE(bits_full_range_release_all),
	KUNIT_CASE(bits_claim_idempotent),
	KUNIT_CASE(bits_nothing_owned),
	KUNIT_CASE(bits_merge_after_rewrite),
	KUNIT_CASE(bits_merge_cleared_by_admin),
	KUNIT_CASE(bits_merge_append),
	KUNIT_CASE(bits_merge_chunks),
	KUNIT_CASE(bits_merge_nothing_owned),
	{}
};

static struct kunit_suite portres_bits_suite = {
	.name = "portres_bits",
	.init = bits_test_init,
	.exit = bits_test_exit,
	.test_cases = portres_bits_cases,
};

kunit_test_suites(&portres_bits_suite);
