// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the reservation table alone (table.c): ranges at the
 * edges of the port space, overlap, the wildcard block search, tokens,
 * socket entries and the quota. Built into portres.ko only on kernels
 * with KUnit; they run when the module loads.
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "table.h"

struct table_ctx {
	struct portres_table t;
};

static int table_test_init(struct kunit *test)
{
	struct table_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	portres_table_init(&c->t);
	test->priv = c;
	return 0;
}

/* Empties the table whatever a test left in it, then destroys it. */
static void table_test_exit(struct kunit *test)
{
	struct table_ctx *c = test->priv;
	struct portres_table *t = &c->t;
	struct portres_resv *r;
	struct portres_sock *ps;
	struct hlist_node *tmp;
	int bkt;

	mutex_lock(&t->lock);
	/* Removing a reservation unlinks it from its owner's list. */
	hash_for_each_safe(t->tokens, bkt, tmp, r, token_node)
		portres_table_remove(t, r);
	hash_for_each_safe(t->socks, bkt, tmp, ps, node)
		portres_table_sock_drop(t, ps);
	mutex_unlock(&t->lock);
	/* Quota left over by a failed test: not the table's business. */
	xa_destroy(&t->quota);
	portres_table_destroy(t);
}

static struct portres_table *tbl(struct kunit *test)
{
	return &((struct table_ctx *)test->priv)->t;
}

/* Inserts [first, last] for @proto; returns the error, the reservation in @out. */
static int ins(struct kunit *test, int proto, u16 first, u16 last, u64 token,
	       struct portres_resv **out)
{
	struct portres_table *t = tbl(test);
	struct portres_resv *r = portres_resv_alloc();
	int err;

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->proto = proto;
	r->first = first;
	r->last = last;
	r->token = token;
	mutex_lock(&t->lock);
	err = portres_table_insert(t, r);
	mutex_unlock(&t->lock);
	if (out)
		*out = err ? NULL : r;
	portres_resv_put(r);
	return err;
}

static void del(struct kunit *test, struct portres_resv *r)
{
	struct portres_table *t = tbl(test);

	mutex_lock(&t->lock);
	portres_table_remove(t, r);
	mutex_unlock(&t->lock);
}

static struct portres_resv *at(struct kunit *test, int proto, u16 port)
{
	struct portres_resv *r;

	rcu_read_lock();
	r = portres_table_find_port(tbl(test), proto, port);
	rcu_read_unlock();
	return r;
}

static void table_single_port_1(struct kunit *test)
{
	struct portres_resv *r;

	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_TCP, 1, 1, 11, &r), 0);
	KUNIT_EXPECT_PTR_EQ(test, at(test, PORTRES_TCP, 1), r);
	KUNIT_EXPECT_NULL(test, at(test, PORTRES_TCP, 0));
	KUNIT_EXPECT_NULL(test, at(test, PORTRES_TCP, 2));
	KUNIT_EXPECT_NULL(test, at(test, PORTRES_UDP, 1));
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_TCP, 1, 1, 12, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_TCP, 2, 2, 13, NULL), 0);
}

static void table_single_port_65535(struct kunit *test)
{
	struct portres_resv *r;

	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_UDP, 65535, 65535, 1, &r), 0);
	KUNIT_EXPECT_PTR_EQ(test, at(test, PORTRES_UDP, 65535), r);
	KUNIT_EXPECT_NULL(test, at(test, PORTRES_UDP, 65534));
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_UDP, 65535, 65535, 2, NULL),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_UDP, 65530, 65535, 3, NULL),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_UDP, 65530, 65534, 4, NULL), 0);
}

static void table_full_range(struct kunit *test)
{
	struct portres_resv *r;

	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_TCP, 1, 65535, 7, &r), 0);
	KUNIT_EXPECT_PTR_EQ(test, at(test, PORTRES_TCP, 1), r);
	KUNIT_EXPECT_PTR_EQ(test, at(test, PORTRES_TCP, 32768), r);
	KUNIT_EXPECT_PTR_EQ(test, at(test, PORTRES_TCP, 65535), r);
	KUNIT_EXPECT_NULL(test, at(test, PORTRES_TCP, 0));
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_TCP, 1, 1, 8, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_TCP, 65535, 65535, 9, NULL),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_TCP, 40000, 40010, 10, NULL),
			-EEXIST);
	/* The other protocol's space is its own. */
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_UDP, 1, 65535, 11, NULL), 0);
	del(test, r);
	KUNIT_EXPECT_NULL(test, at(test, PORTRES_TCP, 1));
	KUNIT_EXPECT_NULL(test, at(test, PORTRES_TCP, 65535));
}

static void table_overlap(struct kunit *test)
{
	struct portres_resv *r;

	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_TCP, 100, 200, 1, &r), 0);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_TCP, 150, 250, 2, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_TCP, 50, 100, 3, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_TCP, 200, 300, 4, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_TCP, 10, 500, 5, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_TCP, 120, 130, 6, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_TCP, 201, 300, 7, NULL), 0);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_TCP, 50, 99, 8, NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, at(test, PORTRES_TCP, 100), r);
	KUNIT_EXPECT_PTR_EQ(test, at(test, PORTRES_TCP, 200), r);
	KUNIT_EXPECT_NE(test, (unsigned long)at(test, PORTRES_TCP, 201),
			(unsigned long)r);
	KUNIT_EXPECT_EQ(test, tbl(test)->nr_resv, 3U);
}

static void table_adjacent_blocks(struct kunit *test)
{
	struct portres_resv *a, *b;
	u32 p;

	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_UDP, 1000, 1009, 1, &a), 0);
	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_UDP, 1010, 1019, 2, &b), 0);
	for (p = 1000; p < 1010; p++)
		KUNIT_EXPECT_PTR_EQ(test, at(test, PORTRES_UDP, p), a);
	for (p = 1010; p < 1020; p++)
		KUNIT_EXPECT_PTR_EQ(test, at(test, PORTRES_UDP, p), b);
	KUNIT_EXPECT_NULL(test, at(test, PORTRES_UDP, 999));
	KUNIT_EXPECT_NULL(test, at(test, PORTRES_UDP, 1020));
	del(test, a);
	KUNIT_EXPECT_NULL(test, at(test, PORTRES_UDP, 1005));
	KUNIT_EXPECT_PTR_EQ(test, at(test, PORTRES_UDP, 1010), b);
}

static void table_covers_both_protocols(struct kunit *test)
{
	struct portres_table *t = tbl(test);

	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_TCP, 500, 509, 1, NULL), 0);
	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_UDP, 600, 600, 2, NULL), 0);
	mutex_lock(&t->lock);
	KUNIT_EXPECT_TRUE(test, portres_table_covers(t, 500));
	KUNIT_EXPECT_TRUE(test, portres_table_covers(t, 509));
	KUNIT_EXPECT_TRUE(test, portres_table_covers(t, 600));
	KUNIT_EXPECT_FALSE(test, portres_table_covers(t, 510));
	KUNIT_EXPECT_FALSE(test, portres_table_covers(t, 499));
	KUNIT_EXPECT_FALSE(test, portres_table_covers(t, 601));
	mutex_unlock(&t->lock);
}

static void table_remove_reinsert(struct kunit *test)
{
	struct portres_table *t = tbl(test);
	struct portres_resv *r;
	int i;

	for (i = 0; i < 50; i++) {
		KUNIT_ASSERT_EQ(test, ins(test, PORTRES_TCP, 7000, 7099, i + 1,
					  &r), 0);
		KUNIT_EXPECT_EQ(test, t->nr_resv, 1U);
		refcount_inc(&r->ref);
		del(test, r);
		KUNIT_EXPECT_TRUE(test, READ_ONCE(r->dead));
		KUNIT_EXPECT_NULL(test, at(test, PORTRES_TCP, 7050));
		portres_resv_put(r);
	}
	KUNIT_EXPECT_EQ(test, t->nr_resv, 0U);
}

static void table_tokens(struct kunit *test)
{
	struct portres_table *t = tbl(test);
	struct portres_resv *r1, *r2;

	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_TCP, 10, 10, 0xdeadbeef, &r1), 0);
	/* Same bucket for a hash of 8 bits: different tokens, equal low bits. */
	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_UDP, 10, 10, 0xdeadbeef + 256,
				  &r2), 0);
	mutex_lock(&t->lock);
	KUNIT_EXPECT_PTR_EQ(test, portres_table_find_token(t, 0xdeadbeef), r1);
	KUNIT_EXPECT_PTR_EQ(test, portres_table_find_token(t, 0xdeadbeef + 256),
			    r2);
	KUNIT_EXPECT_NULL(test, portres_table_find_token(t, 0xdeadbeef + 1));
	KUNIT_EXPECT_NULL(test, portres_table_find_token(t, 0));
	mutex_unlock(&t->lock);
	KUNIT_EXPECT_TRUE(test, portres_table_token_used(t, 0xdeadbeef));
	del(test, r1);
	KUNIT_EXPECT_FALSE(test, portres_table_token_used(t, 0xdeadbeef));
	KUNIT_EXPECT_TRUE(test, portres_table_token_used(t, 0xdeadbeef + 256));
}

static void table_active(struct kunit *test)
{
	struct portres_table *t = tbl(test);
	struct portres_sock *ps;
	struct portres_resv *r;
	int key;

	KUNIT_EXPECT_FALSE(test, portres_table_active(t));
	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_TCP, 20, 29, 5, &r), 0);
	KUNIT_EXPECT_TRUE(test, portres_table_active(t));
	del(test, r);
	KUNIT_EXPECT_FALSE(test, portres_table_active(t));
	mutex_lock(&t->lock);
	ps = portres_table_sock_find_or_add(t, &key);
	mutex_unlock(&t->lock);
	KUNIT_ASSERT_NOT_NULL(test, ps);
	KUNIT_EXPECT_TRUE(test, portres_table_active(t));
	mutex_lock(&t->lock);
	portres_table_sock_drop_if_idle(t, ps);
	mutex_unlock(&t->lock);
	KUNIT_EXPECT_FALSE(test, portres_table_active(t));
}

static int gap(struct kunit *test, int proto, u16 n, u16 lo, u16 hi,
	       u32 offset, portres_busy_fn busy, void *ctx, u16 *start)
{
	struct portres_table *t = tbl(test);
	int err;

	mutex_lock(&t->lock);
	err = portres_table_find_gap(t, proto, n, lo, hi, offset, busy, ctx,
				     start);
	mutex_unlock(&t->lock);
	return err;
}

static void gap_empty_table(struct kunit *test)
{
	u16 s = 0;

	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 10, 1000, 1999, 0, NULL,
				  NULL, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 1000);
	/* 991 starts: the last one ends exactly at hi. */
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 10, 1000, 1999, 990, NULL,
				  NULL, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 1990);
	/* Offsets wrap around the number of possible starts. */
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 10, 1000, 1999, 991, NULL,
				  NULL, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 1000);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 10, 1000, 1999, U32_MAX,
				  NULL, NULL, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 1000 + U32_MAX % 991);
}

static void gap_bad_sizes(struct kunit *test)
{
	u16 s = 4242;

	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 0, 1000, 1999, 0, NULL,
				  NULL, &s), -ENOSPC);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 1001, 1000, 1999, 0, NULL,
				  NULL, &s), -ENOSPC);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 1, 2000, 1999, 0, NULL,
				  NULL, &s), -ENOSPC);
	KUNIT_EXPECT_EQ(test, s, 4242);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 1000, 1000, 1999, 12345,
				  NULL, NULL, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 1000);
}

static void gap_whole_port_space(struct kunit *test)
{
	u16 s = 0;

	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_UDP, 65535, 1, 65535, 77, NULL,
				  NULL, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 1);
	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_UDP, 65535, 65535, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_UDP, 65535, 1, 65535, 0, NULL,
				  NULL, &s), -ENOSPC);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_UDP, 65534, 1, 65535, 9, NULL,
				  NULL, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 1);
}

static void gap_top_of_range(struct kunit *test)
{
	u16 s = 0;

	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_TCP, 65500, 65534, 1, NULL), 0);
	/* Only 65535 is free at the top: a single port fits, two do not. */
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 1, 65500, 65535, 0, NULL,
				  NULL, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 65535);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 2, 65500, 65535, 3, NULL,
				  NULL, &s), -ENOSPC);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 2, 65490, 65535, 30, NULL,
				  NULL, &s), 0);
	KUNIT_EXPECT_LE(test, s, 65498);
	KUNIT_EXPECT_GE(test, s, 65490);
}

static void gap_bottom_of_range(struct kunit *test)
{
	u16 s = 0;

	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_TCP, 6, 100, 1, NULL), 0);
	/* Ports 1-5 stay free; a search starting at the end wraps to them. */
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 5, 1, 100, 95, NULL, NULL,
				  &s), 0);
	KUNIT_EXPECT_EQ(test, s, 1);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 6, 1, 100, 0, NULL, NULL,
				  &s), -ENOSPC);
}

static void gap_fragmented(struct kunit *test)
{
	u32 p, i;
	u16 s;

	/* [1000, 1999] in blocks of 10, each with one reserved port: gaps of 9. */
	for (p = 1000; p < 2000; p += 10)
		KUNIT_ASSERT_EQ(test, ins(test, PORTRES_TCP, p + 9, p + 9, p,
					  NULL), 0);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 10, 1000, 1999, 0, NULL,
				  NULL, &s), -ENOSPC);
	for (i = 0; i < 200; i++) {
		u32 off = get_random_u32();

		KUNIT_ASSERT_EQ(test, gap(test, PORTRES_TCP, 9, 1000, 1999, off,
					  NULL, NULL, &s), 0);
		KUNIT_EXPECT_EQ(test, (s - 1000) % 10, 0);
		KUNIT_EXPECT_NULL(test, at(test, PORTRES_TCP, s));
		KUNIT_EXPECT_NULL(test, at(test, PORTRES_TCP, s + 8));
	}
	/* The other protocol is not in the way. */
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_UDP, 1000, 1000, 1999, 5, NULL,
				  NULL, &s), 0);
}

/* Busy: every port that is not a multiple of 100, except one window. */
static bool busy_window(void *ctx, u16 port)
{
	u16 *win = ctx;

	return !(port >= win[0] && port <= win[1]);
}

static void gap_busy_ports(struct kunit *test)
{
	u16 win[2] = { 30100, 30149 };
	u16 s;

	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_UDP, 50, 30000, 30999, 0,
				  busy_window, win, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 30100);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_UDP, 51, 30000, 30999, 0,
				  busy_window, win, &s), -ENOSPC);
	/* A reservation inside the window wins over the callback. */
	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_UDP, 30120, 30120, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_UDP, 29, 30000, 30999, 0,
				  busy_window, win, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 30121);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_UDP, 30, 30000, 30999, 0,
				  busy_window, win, &s), -ENOSPC);
}

static bool busy_ends(void *ctx, u16 port)
{
	u16 *r = ctx;

	return port != r[0] && port != r[1];
}

static void gap_window_at_edges(struct kunit *test)
{
	u16 edges[2] = { 32768, 60999 };
	u16 s;

	/* Only the first and the last port of the range are free. */
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 1, 32768, 60999, 1000,
				  busy_ends, edges, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 60999);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 1, 32768, 60999, 28231,
				  busy_ends, edges, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 60999);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 1, 32768, 60999, 0,
				  busy_ends, edges, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 32768);
	KUNIT_EXPECT_EQ(test, gap(test, PORTRES_TCP, 2, 32768, 60999, 0,
				  busy_ends, edges, &s), -ENOSPC);
}

/* Random tables and searches: whatever is found is free and in range. */
static void gap_random_property(struct kunit *test)
{
	struct rnd_state rnd;
	int i, found = 0;

	prandom_seed_state(&rnd, 42);
	for (i = 0; i < 100; i++) {
		u16 first = 20000 + prandom_u32_state(&rnd) % 2000;
		u16 len = 1 + prandom_u32_state(&rnd) % 30;

		ins(test, PORTRES_TCP, first, first + len - 1, i + 1, NULL);
	}
	for (i = 0; i < 300; i++) {
		u16 n = 1 + prandom_u32_state(&rnd) % 40, s = 0, p;
		int err = gap(test, PORTRES_TCP, n, 20000, 22099,
			      prandom_u32_state(&rnd), NULL, NULL, &s);

		if (err) {
			KUNIT_EXPECT_EQ(test, err, -ENOSPC);
			continue;
		}
		found++;
		KUNIT_EXPECT_GE(test, s, 20000);
		KUNIT_EXPECT_LE(test, s + n - 1, 22099);
		for (p = s; p < s + n; p++)
			KUNIT_EXPECT_NULL(test, at(test, PORTRES_TCP, p));
	}
	KUNIT_EXPECT_GT(test, found, 0);
}

static void sock_entries(struct kunit *test)
{
	struct portres_table *t = tbl(test);
	struct portres_sock *a, *b, *a2;
	int ka, kb;

	mutex_lock(&t->lock);
	a = portres_table_sock_find_or_add(t, &ka);
	b = portres_table_sock_find_or_add(t, &kb);
	a2 = portres_table_sock_find_or_add(t, &ka);
	KUNIT_EXPECT_NOT_NULL(test, a);
	KUNIT_EXPECT_NOT_NULL(test, b);
	KUNIT_EXPECT_PTR_EQ(test, a, a2);
	KUNIT_EXPECT_PTR_NE(test, a, b);
	KUNIT_EXPECT_EQ(test, t->nr_socks, 2U);
	KUNIT_EXPECT_PTR_EQ(test, portres_table_sock(t, &kb), b);
	portres_table_sock_drop(t, b);
	KUNIT_EXPECT_NULL(test, portres_table_sock(t, &kb));
	KUNIT_EXPECT_EQ(test, t->nr_socks, 1U);
	mutex_unlock(&t->lock);
}

static void sock_idle_rules(struct kunit *test)
{
	struct portres_table *t = tbl(test);
	struct portres_resv *r;
	struct portres_sock *ps;
	int key;

	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_TCP, 40, 49, 3, &r), 0);
	mutex_lock(&t->lock);
	ps = portres_table_sock_find_or_add(t, &key);
	KUNIT_ASSERT_NOT_NULL(test, ps);
	/* Owning a reservation keeps the entry. */
	list_add(&r->owner_node, &ps->owned);
	portres_table_sock_drop_if_idle(t, ps);
	KUNIT_EXPECT_PTR_EQ(test, portres_table_sock(t, &key), ps);
	portres_table_remove(t, r);	/* unlinks it from ps->owned */
	portres_table_sock_drop_if_idle(t, ps);
	KUNIT_EXPECT_NULL(test, portres_table_sock(t, &key));
	mutex_unlock(&t->lock);
}

static void sock_association_reference(struct kunit *test)
{
	struct portres_table *t = tbl(test);
	struct portres_resv *r;
	struct portres_sock *ps;
	int key;

	KUNIT_ASSERT_EQ(test, ins(test, PORTRES_UDP, 50, 59, 4, &r), 0);
	/* The table's reference only. */
	KUNIT_EXPECT_EQ(test, refcount_read(&r->ref), 1);
	mutex_lock(&t->lock);
	ps = portres_table_sock_find_or_add(t, &key);
	KUNIT_ASSERT_NOT_NULL(test, ps);
	refcount_inc(&r->ref);
	rcu_assign_pointer(ps->assoc, r);
	portres_table_sock_drop_if_idle(t, ps);	/* associated: stays */
	KUNIT_EXPECT_PTR_EQ(test, portres_table_sock(t, &key), ps);
	/* The reservation ends; the association keeps the memory alive. */
	portres_table_remove(t, r);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(r->dead));
	KUNIT_EXPECT_EQ(test, refcount_read(&r->ref), 1);
	KUNIT_EXPECT_EQ(test, r->first, 50);
	portres_table_sock_drop(t, ps);	/* drops the last reference */
	mutex_unlock(&t->lock);
	KUNIT_EXPECT_EQ(test, t->nr_socks, 0U);
}

static void quota_accounting(struct kunit *test)
{
	struct portres_table *t = tbl(test);
	kuid_t u1 = KUIDT_INIT(1000), u2 = KUIDT_INIT(1001);

	mutex_lock(&t->lock);
	KUNIT_EXPECT_EQ(test, portres_table_charged(t, u1), 0U);
	KUNIT_EXPECT_EQ(test, portres_table_charge(t, u1, 600, 1024), 0);
	KUNIT_EXPECT_EQ(test, portres_table_charge(t, u1, 424, 1024), 0);
	KUNIT_EXPECT_EQ(test, portres_table_charged(t, u1), 1024U);
	KUNIT_EXPECT_EQ(test, portres_table_charge(t, u1, 1, 1024), -EDQUOT);
	KUNIT_EXPECT_EQ(test, portres_table_charged(t, u1), 1024U);
	/* Another user has a quota of its own. */
	KUNIT_EXPECT_EQ(test, portres_table_charge(t, u2, 1024, 1024), 0);
	portres_table_uncharge(t, u1, 600);
	KUNIT_EXPECT_EQ(test, portres_table_charged(t, u1), 424U);
	KUNIT_EXPECT_EQ(test, portres_table_charge(t, u1, 601, 1024), -EDQUOT);
	KUNIT_EXPECT_EQ(test, portres_table_charge(t, u1, 600, 1024), 0);
	portres_table_uncharge(t, u1, 1024);
	portres_table_uncharge(t, u2, 1024);
	KUNIT_EXPECT_EQ(test, portres_table_charged(t, u1), 0U);
	/* Entries at zero are erased, not kept. */
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->quota));
	mutex_unlock(&t->lock);
}

static void quota_limits(struct kunit *test)
{
	struct portres_table *t = tbl(test);
	kuid_t u = KUIDT_INIT(0);

	mutex_lock(&t->lock);
	KUNIT_EXPECT_EQ(test, portres_table_charge(t, u, 1025, 1024), -EDQUOT);
	KUNIT_EXPECT_EQ(test, portres_table_charge(t, u, 1, 0), -EDQUOT);
	KUNIT_EXPECT_EQ(test, portres_table_charge(t, u, 0, 0), 0);
	/* An administrator's limit: no overflow near UINT_MAX. */
	KUNIT_EXPECT_EQ(test, portres_table_charge(t, u, 65535, UINT_MAX), 0);
	KUNIT_EXPECT_EQ(test, portres_table_charge(t, u, UINT_MAX, UINT_MAX),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, portres_table_charged(t, u), 65535U);
	portres_table_uncharge(t, u, 65535);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->quota));
	mutex_unlock(&t->lock);
}

static void quota_many_users(struct kunit *test)
{
	struct portres_table *t = tbl(test);
	u32 i;

	mutex_lock(&t->lock);
	for (i = 0; i < 500; i++)
		KUNIT_EXPECT_EQ(test, portres_table_charge(t, KUIDT_INIT(i * 7),
							   i + 1, 1024), 0);
	for (i = 0; i < 500; i++)
		KUNIT_EXPECT_EQ(test, portres_table_charged(t, KUIDT_INIT(i * 7)),
				i + 1);
	for (i = 0; i < 500; i++)
		portres_table_uncharge(t, KUIDT_INIT(i * 7), i + 1);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->quota));
	mutex_unlock(&t->lock);
}

static void table_many_ranges(struct kunit *test)
{
	struct portres_table *t = tbl(test);
	u32 p;

	/* Every 32nd port of the space: 2048 single-port ranges. */
	for (p = 1; p <= 65535; p += 32)
		KUNIT_ASSERT_EQ(test, ins(test, PORTRES_UDP, p, p, p, NULL), 0);
	KUNIT_EXPECT_EQ(test, t->nr_resv, 2048U);
	for (p = 1; p <= 65535; p += 111) {
		struct portres_resv *r = at(test, PORTRES_UDP, p);

		if (p % 32 == 1) {
			KUNIT_EXPECT_NOT_NULL(test, r);
			if (r)
				KUNIT_EXPECT_EQ(test, r->token, (u64)p);
		} else {
			KUNIT_EXPECT_NULL(test, r);
		}
	}
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_UDP, 30, 33, 1, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_UDP, 2, 32, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, ins(test, PORTRES_UDP, 65535, 65535, 9, NULL), 0);
}

static struct kunit_case portres_table_cases[] = {
	KUNIT_CASE(table_single_port_1),
	KUNIT_CASE(table_single_port_65535),
	KUNIT_CASE(table_full_range),
	KUNIT_CASE(table_overlap),
	KUNIT_CASE(table_adjacent_blocks),
	KUNIT_CASE(table_covers_both_protocols),
	KUNIT_CASE(table_remove_reinsert),
	KUNIT_CASE(table_tokens),
	KUNIT_CASE(table_active),
	KUNIT_CASE(table_many_ranges),
	KUNIT_CASE(gap_empty_table),
	KUNIT_CASE(gap_bad_sizes),
	KUNIT_CASE(gap_whole_port_space),
	KUNIT_CASE(gap_top_of_range),
	KUNIT_CASE(gap_bottom_of_range),
	KUNIT_CASE(gap_fragmented),
	KUNIT_CASE(gap_busy_ports),
	KUNIT_CASE(gap_window_at_edges),
	KUNIT_CASE(gap_random_property),
	KUNIT_CASE(sock_entries),
	KUNIT_CASE(sock_idle_rules),
	KUNIT_CASE(sock_association_reference),
	KUNIT_CASE(quota_accounting),
	KUNIT_CASE(quota_limits),
	KUNIT_CASE(quota_many_users),
	{}
};

static struct kunit_suite portres_table_suite = {
	.name = "portres_table",
	.init = table_test_init,
	.exit = table_test_exit,
	.test_cases = portres_table_cases,
};

kunit_test_suites(&portres_table_suite);
