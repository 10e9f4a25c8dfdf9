// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of making and ending reservations (resv.c) in the initial
 * network namespace, and of bind() and connect() of kernel sockets while
 * the module's hooks are live. They run while portres loads, before any
 * user of the module exists; every test leaves ip_local_reserved_ports
 * as it found it.
 *
 * portres_resv suite: a namespace state built by the test (its own
 * table) on init_net's socket tables and sysctl bitmap.
 * portres_bind suite: init_net's own state, the one the hooks consult.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/in.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/inet_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "acquire.h"
#include "ports.h"
#include "resv.h"

#define RESV_BASE 40100		/* inside the default ip_local_port_range */

struct resv_ctx {
	struct portres_net *pn;
	unsigned long *saved;	/* init_net's reserved-port bits at the start */
};

static unsigned long *sysbits(void)
{
	return portres_sysctl_bits(&init_net);
}

static int resv_ctx_init(struct kunit *test, struct portres_net *pn)
{
	struct resv_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	c->saved = kunit_kzalloc(test, BITS_TO_LONGS(PORTRES_NR_PORTS) *
				 sizeof(long), GFP_KERNEL);
	if (!c->saved)
		return -ENOMEM;
	bitmap_copy(c->saved, sysbits(), PORTRES_NR_PORTS);
	c->pn = pn;
	test->priv = c;
	return 0;
}

/* A namespace state of the test's own, on init_net. */
static int resv_test_init(struct kunit *test)
{
	struct portres_net *pn = kunit_kzalloc(test, sizeof(*pn), GFP_KERNEL);

	if (!pn)
		return -ENOMEM;
	portres_net_setup(pn, &init_net);
	return resv_ctx_init(test, pn);
}

static bool sys_unchanged(struct resv_ctx *c)
{
	return bitmap_equal(c->saved, sysbits(), PORTRES_NR_PORTS);
}

static void resv_test_exit(struct kunit *test)
{
	struct resv_ctx *c = test->priv;

	portres_net_flush(c->pn, PORTRES_REASON_NETNS);
	portres_table_destroy(&c->pn->table);
	/* Whatever a failed test left: init_net gets its bitmap back. */
	bitmap_copy(sysbits(), c->saved, PORTRES_NR_PORTS);
}

static struct portres_net *pnet(struct kunit *test)
{
	return ((struct resv_ctx *)test->priv)->pn;
}

/*
 * Makes a runtime reservation of @n ports at @first (0: wildcard) for
 * @proto under @limit; returns the error, the reservation in @out
 * (the table's reference only).
 */
static int mk(struct kunit *test, int proto, u16 first, u16 n,
	      unsigned int limit, struct portres_resv **out)
{
	struct portres_net *pn = pnet(test);
	struct portres_resv *r = portres_resv_alloc();
	int err;

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->proto = proto;
	r->kind = PORTRES_RUNTIME;
	r->first = first;
	r->uid = GLOBAL_ROOT_UID;
	mutex_lock(&pn->table.lock);
	err = portres_resv_create(pn, r, n, limit);
	mutex_unlock(&pn->table.lock);
	if (out)
		*out = err ? NULL : r;
	portres_resv_put(r);
	return err;
}

static void end(struct kunit *test, struct portres_resv *r)
{
	struct portres_net *pn = pnet(test);

	mutex_lock(&pn->table.lock);
	if (!READ_ONCE(r->dead))
		portres_resv_end(pn, r, PORTRES_REASON_RELEASE);
	mutex_unlock(&pn->table.lock);
}

static unsigned int charged(struct kunit *test)
{
	struct portres_table *t = &pnet(test)->table;
	unsigned int held;

	mutex_lock(&t->lock);
	held = portres_table_charged(t, GLOBAL_ROOT_UID);
	mutex_unlock(&t->lock);
	return held;
}

static bool all_set(u16 first, u16 last)
{
	u32 p;

	for (p = first; p <= last; p++)
		if (!test_bit(p, sysbits()))
			return false;
	return true;
}

static void resv_specific_block(struct kunit *test)
{
	struct resv_ctx *c = test->priv;
	struct portres_resv *r;

	KUNIT_ASSERT_EQ(test, mk(test, PORTRES_TCP, RESV_BASE, 10, UINT_MAX,
				 &r), 0);
	KUNIT_EXPECT_EQ(test, r->first, RESV_BASE);
	KUNIT_EXPECT_EQ(test, r->last, RESV_BASE + 9);
	KUNIT_EXPECT_NE(test, r->token, 0ULL);
	KUNIT_EXPECT_TRUE(test, all_set(RESV_BASE, RESV_BASE + 9));
	KUNIT_EXPECT_TRUE(test, portres_reserved_bit(&init_net, RESV_BASE + 5));
	KUNIT_EXPECT_EQ(test, charged(test), 10U);
	end(test, r);
	KUNIT_EXPECT_TRUE(test, sys_unchanged(c));
	KUNIT_EXPECT_EQ(test, charged(test), 0U);
	KUNIT_EXPECT_FALSE(test, portres_table_active(&pnet(test)->table));
}

static void resv_wildcard_in_local_range(struct kunit *test)
{
	struct resv_ctx *c = test->priv;
	struct portres_resv *r;
	u16 lo, hi;
	int i;

	portres_local_range(&init_net, &lo, &hi);
	for (i = 0; i < 20; i++) {
		KUNIT_ASSERT_EQ(test, mk(test, PORTRES_UDP, 0, 16, UINT_MAX,
					 &r), 0);
		KUNIT_EXPECT_GE(test, r->first, lo);
		KUNIT_EXPECT_LE(test, r->last, hi);
		KUNIT_EXPECT_EQ(test, r->last - r->first, 15);
		KUNIT_EXPECT_TRUE(test, all_set(r->first, r->last));
	}
	portres_net_flush(c->pn, PORTRES_REASON_NETNS);
	KUNIT_EXPECT_TRUE(test, sys_unchanged(c));
}

/* Every port of the local range reserved by "the administrator" but a window. */
static void admin_all_but(u16 lo, u16 hi, u16 wfirst, u16 wlast)
{
	u32 p;

	for (p = lo; p <= hi; p++)
		if (p < wfirst || p > wlast)
			set_bit(p, sysbits());
}

static void resv_wildcard_window_at_top(struct kunit *test)
{
	struct resv_ctx *c = test->priv;
	struct portres_resv *r;
	u16 lo, hi;

	portres_local_range(&init_net, &lo, &hi);
	admin_all_but(lo, hi, hi - 7, hi);
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_TCP, 0, 9, UINT_MAX, NULL),
			-ENOSPC);
	KUNIT_ASSERT_EQ(test, mk(test, PORTRES_TCP, 0, 8, UINT_MAX, &r), 0);
	KUNIT_EXPECT_EQ(test, r->first, hi - 7);
	KUNIT_EXPECT_EQ(test, r->last, hi);
	end(test, r);
	/* The administrator's bits stay; ours are gone. */
	KUNIT_EXPECT_FALSE(test, test_bit(hi, sysbits()));
	KUNIT_EXPECT_TRUE(test, test_bit(hi - 8, sysbits()));
	bitmap_copy(sysbits(), c->saved, PORTRES_NR_PORTS);
}

static void resv_wildcard_window_at_bottom(struct kunit *test)
{
	struct resv_ctx *c = test->priv;
	struct portres_resv *r;
	u16 lo, hi;
	int i;

	portres_local_range(&init_net, &lo, &hi);
	admin_all_but(lo, hi, lo, lo + 2);
	/* Whatever the random start, the search wraps to the window. */
	for (i = 0; i < 10; i++) {
		KUNIT_ASSERT_EQ(test, mk(test, PORTRES_UDP, 0, 3, UINT_MAX, &r),
				0);
		KUNIT_EXPECT_EQ(test, r->first, lo);
		end(test, r);
	}
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_UDP, 0, 4, UINT_MAX, NULL),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, charged(test), 0U);
	bitmap_copy(sysbits(), c->saved, PORTRES_NR_PORTS);
}

static void resv_wildcard_enospc(struct kunit *test)
{
	struct resv_ctx *c = test->priv;
	u16 lo, hi;

	portres_local_range(&init_net, &lo, &hi);
	admin_all_but(lo, hi, 1, 0);
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_TCP, 0, 1, UINT_MAX, NULL),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, charged(test), 0U);
	KUNIT_EXPECT_EQ(test, pnet(test)->table.nr_resv, 0U);
	bitmap_copy(sysbits(), c->saved, PORTRES_NR_PORTS);
	/* A specific block ignores the local range. */
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_TCP, 2000, 1, UINT_MAX, NULL), 0);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void resv_tokens_unique_nonzero(struct kunit *test)
{
	struct resv_ctx *c = test->priv;
	struct portres_table *t = &c->pn->table;
	const int nr = 400;
	struct portres_resv *r;
	u64 *tok;
	int i;

	tok = kunit_kcalloc(test, nr, sizeof(*tok), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tok);
	for (i = 0; i < nr; i++) {
		KUNIT_ASSERT_EQ(test, mk(test, i & 1 ? PORTRES_UDP : PORTRES_TCP,
					 0, 1, UINT_MAX, &r), 0);
		tok[i] = r->token;
		KUNIT_EXPECT_NE(test, tok[i], 0ULL);
		mutex_lock(&t->lock);
		KUNIT_EXPECT_PTR_EQ(test, portres_table_find_token(t, tok[i]), r);
		mutex_unlock(&t->lock);
	}
	sort(tok, nr, sizeof(*tok), cmp_u64, NULL);
	for (i = 1; i < nr; i++)
		KUNIT_EXPECT_NE(test, tok[i], tok[i - 1]);
	/* Not a counter: the high halves differ too. */
	KUNIT_EXPECT_NE(test, tok[0] >> 32, tok[nr - 1] >> 32);
	KUNIT_EXPECT_EQ(test, t->nr_resv, (unsigned int)nr);
	portres_net_flush(c->pn, PORTRES_REASON_NETNS);
	KUNIT_EXPECT_EQ(test, t->nr_resv, 0U);
	KUNIT_EXPECT_TRUE(test, sys_unchanged(c));
}

static void resv_given_token_kept(struct kunit *test)
{
	struct portres_net *pn = pnet(test);
	struct portres_resv *r = portres_resv_alloc();

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->proto = PORTRES_TCP;
	r->kind = PORTRES_PERSISTENT;
	r->first = RESV_BASE;
	r->token = 0x0123456789abcdefULL;
	r->uid = GLOBAL_ROOT_UID;
	mutex_lock(&pn->table.lock);
	KUNIT_EXPECT_EQ(test, portres_resv_create(pn, r, 3, UINT_MAX), 0);
	KUNIT_EXPECT_PTR_EQ(test,
			    portres_table_find_token(&pn->table,
						     0x0123456789abcdefULL), r);
	mutex_unlock(&pn->table.lock);
	portres_resv_put(r);
}

static void resv_overlap_eaddrinuse(struct kunit *test)
{
	struct resv_ctx *c = test->priv;
	struct portres_resv *r;

	KUNIT_ASSERT_EQ(test, mk(test, PORTRES_TCP, RESV_BASE, 10, UINT_MAX,
				 &r), 0);
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_TCP, RESV_BASE + 5, 10, UINT_MAX,
				 NULL), -EADDRINUSE);
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_TCP, RESV_BASE - 1, 2, UINT_MAX,
				 NULL), -EADDRINUSE);
	KUNIT_EXPECT_EQ(test, charged(test), 10U);
	KUNIT_EXPECT_FALSE(test, test_bit(RESV_BASE + 10, sysbits()));
	KUNIT_EXPECT_FALSE(test, test_bit(RESV_BASE - 1, sysbits()));
	/* The same ports for the other protocol are fine. */
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_UDP, RESV_BASE + 5, 10, UINT_MAX,
				 NULL), 0);
	end(test, r);
	/* UDP still holds 5-9: their bits stay. */
	KUNIT_EXPECT_TRUE(test, all_set(RESV_BASE + 5, RESV_BASE + 14));
	KUNIT_EXPECT_FALSE(test, test_bit(RESV_BASE, sysbits()));
	portres_net_flush(c->pn, PORTRES_REASON_NETNS);
	KUNIT_EXPECT_TRUE(test, sys_unchanged(c));
}

static struct socket *ksock(struct kunit *test, int type)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, PF_INET, type,
			       type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP,
			       &sock);
	KUNIT_ASSERT_EQ(test, err, 0);
	return sock;
}

static int kbind(struct socket *sock, u32 addr, u16 port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(addr),
		.sin_port = htons(port),
	};

	return kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
}

static u16 kport(struct socket *sock)
{
	return inet_sk(sock->sk)->inet_num;
}

static void resv_bound_port_eaddrinuse(struct kunit *test)
{
	struct resv_ctx *c = test->priv;
	struct socket *tcp = ksock(test, SOCK_STREAM);
	struct socket *udp = ksock(test, SOCK_DGRAM);

	KUNIT_ASSERT_EQ(test, kbind(tcp, INADDR_ANY, RESV_BASE + 3), 0);
	KUNIT_ASSERT_EQ(test, kbind(udp, INADDR_LOOPBACK, RESV_BASE + 50), 0);
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_TCP, RESV_BASE, 10, UINT_MAX,
				 NULL), -EADDRINUSE);
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_UDP, RESV_BASE + 50, 1, UINT_MAX,
				 NULL), -EADDRINUSE);
	/* Nothing half-made: no bits, no quota, no table entry. */
	KUNIT_EXPECT_TRUE(test, sys_unchanged(c));
	KUNIT_EXPECT_EQ(test, charged(test), 0U);
	KUNIT_EXPECT_EQ(test, c->pn->table.nr_resv, 0U);
	/* A bound port of the other protocol is no obstacle. */
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_UDP, RESV_BASE, 10, UINT_MAX,
				 NULL), 0);
	sock_release(tcp);
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_TCP, RESV_BASE, 10, UINT_MAX,
				 NULL), 0);
	sock_release(udp);
}

static void resv_quota(struct kunit *test)
{
	struct resv_ctx *c = test->priv;
	struct portres_resv *r;

	KUNIT_ASSERT_EQ(test, mk(test, PORTRES_TCP, RESV_BASE, 6, 10, &r), 0);
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_UDP, RESV_BASE, 5, 10, NULL),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_UDP, 0, 5, 10, NULL), -EDQUOT);
	KUNIT_EXPECT_EQ(test, charged(test), 6U);
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_UDP, RESV_BASE, 4, 10, NULL), 0);
	KUNIT_EXPECT_EQ(test, charged(test), 10U);
	end(test, r);
	KUNIT_EXPECT_EQ(test, charged(test), 4U);
	/* A failed create gives its charge back. */
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_UDP, RESV_BASE, 6, 10, NULL),
			-EADDRINUSE);
	KUNIT_EXPECT_EQ(test, charged(test), 4U);
	portres_net_flush(c->pn, PORTRES_REASON_NETNS);
	KUNIT_EXPECT_EQ(test, charged(test), 0U);
}

static void resv_admin_bit_inside_block(struct kunit *test)
{
	struct resv_ctx *c = test->priv;
	struct portres_resv *r;

	set_bit(RESV_BASE + 2, sysbits());
	KUNIT_ASSERT_EQ(test, mk(test, PORTRES_TCP, RESV_BASE, 5, UINT_MAX, &r),
			0);
	end(test, r);
	KUNIT_EXPECT_TRUE(test, test_bit(RESV_BASE + 2, sysbits()));
	KUNIT_EXPECT_FALSE(test, test_bit(RESV_BASE + 1, sysbits()));
	clear_bit(RESV_BASE + 2, sysbits());
	KUNIT_EXPECT_TRUE(test, sys_unchanged(c));
}

/* Namespace teardown: reservations, owners and associations all go. */
static void resv_net_flush(struct kunit *test)
{
	struct resv_ctx *c = test->priv;
	struct portres_table *t = &c->pn->table;
	struct portres_resv *r, *held;
	struct portres_sock *ps;
	int keys[8], i;

	set_bit(RESV_BASE + 100, sysbits());	/* an administrator's */
	for (i = 0; i < 8; i++) {
		KUNIT_ASSERT_EQ(test, mk(test, i & 1 ? PORTRES_UDP : PORTRES_TCP,
					 RESV_BASE + i * 20, 20, UINT_MAX, &r),
				0);
		mutex_lock(&t->lock);
		ps = portres_table_sock_find_or_add(t, &keys[i]);
		KUNIT_ASSERT_NOT_NULL(test, ps);
		if (i < 4) {
			list_add(&r->owner_node, &ps->owned);
		} else {
			refcount_inc(&r->ref);
			rcu_assign_pointer(ps->assoc, r);
		}
		mutex_unlock(&t->lock);
	}
	held = r;
	refcount_inc(&held->ref);
	KUNIT_EXPECT_EQ(test, t->nr_resv, 8U);
	KUNIT_EXPECT_EQ(test, t->nr_socks, 8U);
	portres_net_flush(c->pn, PORTRES_REASON_NETNS);
	KUNIT_EXPECT_EQ(test, t->nr_resv, 0U);
	KUNIT_EXPECT_EQ(test, t->nr_socks, 0U);
	KUNIT_EXPECT_FALSE(test, portres_table_active(t));
	KUNIT_EXPECT_NULL(test, c->pn->bits.owned);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->quota));
	KUNIT_EXPECT_TRUE(test, READ_ONCE(held->dead));
	KUNIT_EXPECT_EQ(test, refcount_read(&held->ref), 1);
	portres_resv_put(held);
	KUNIT_EXPECT_TRUE(test, test_bit(RESV_BASE + 100, sysbits()));
	clear_bit(RESV_BASE + 100, sysbits());
	KUNIT_EXPECT_TRUE(test, sys_unchanged(c));
	/* The state is usable again after a flush. */
	KUNIT_EXPECT_EQ(test, mk(test, PORTRES_TCP, RESV_BASE, 1, UINT_MAX,
				 NULL), 0);
}

static struct kunit_case portres_resv_cases[] = {
	KUNIT_CASE(resv_specific_block),
	KUNIT_CASE(resv_wildcard_in_local_range),
	KUNIT_CASE(resv_wildcard_window_at_top),
	KUNIT_CASE(resv_wildcard_window_at_bottom),
	KUNIT_CASE(resv_wildcard_enospc),
	KUNIT_CASE(resv_tokens_unique_nonzero),
	KUNIT_CASE(resv_given_token_kept),
	KUNIT_CASE(resv_overlap_eaddrinuse),
	KUNIT_CASE(resv_bound_port_eaddrinuse),
	KUNIT_CASE(resv_quota),
	KUNIT_CASE(resv_admin_bit_inside_block),
	KUNIT_CASE(resv_net_flush),
	{}
};

static struct kunit_suite portres_resv_suite = {
	.name = "portres_resv",
	.init = resv_test_init,
	.exit = resv_test_exit,
	.test_cases = portres_resv_cases,
};

/*
 * bind() and connect() of kernel sockets in init_net through the hooks.
 * Reservations go into init_net's own state, as an acquire would.
 */
static int bind_test_init(struct kunit *test)
{
	return resv_ctx_init(test, portres_net(&init_net));
}

static void bind_test_exit(struct kunit *test)
{
	struct resv_ctx *c = test->priv;
	struct portres_table *t = &c->pn->table;
	struct portres_resv *r;
	struct hlist_node *tmp;
	int bkt;

	/* Only the test's reservations: sockets clean up when released. */
	portres_net_lock(c->pn);
	hash_for_each_safe(t->tokens, bkt, tmp, r, token_node)
		portres_resv_end(c->pn, r, PORTRES_REASON_RELEASE);
	portres_net_unlock(c->pn);
	bitmap_copy(sysbits(), c->saved, PORTRES_NR_PORTS);
}

/* An acquire on @owner, as the ioctl makes it (owner_key = the socket). */
static struct portres_resv *acquire(struct kunit *test, struct socket *owner,
				    u16 first, u16 n)
{
	struct portres_acquisition a = {
		.sk = owner->sk,
		.pn = pnet(test),
		.n = n,
		.limit = UINT_MAX,
	};
	struct portres_resv *r = portres_resv_alloc();
	int err;

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->proto = portres_sk_proto(owner->sk);
	r->kind = PORTRES_RUNTIME;
	r->first = first;
	r->uid = GLOBAL_ROOT_UID;
	r->owner_key = owner->sk;
	a.r = r;
	/* With the enforcement hooks, as the ioctl does. */
	err = portres_acquire_now(&a);
	portres_resv_put(r);
	KUNIT_ASSERT_EQ(test, err, 0);
	return r;
}

/* What SIO_ASSOCIATE_PORT_RESERVATION does once it has the reservation. */
static void associate(struct kunit *test, struct socket *sock,
		      struct portres_resv *r)
{
	struct portres_table *t = &pnet(test)->table;
	struct portres_sock *ps;

	lock_sock(sock->sk);
	portres_net_lock(pnet(test));
	ps = portres_table_sock_find_or_add(t, sock->sk);
	if (ps && !rcu_access_pointer(ps->assoc)) {
		refcount_inc(&r->ref);
		rcu_assign_pointer(ps->assoc, r);
	}
	portres_net_unlock(pnet(test));
	release_sock(sock->sk);
	KUNIT_ASSERT_NOT_NULL(test, ps);
}

static void release(struct kunit *test, struct portres_resv *r)
{
	struct portres_net *pn = pnet(test);
	struct portres_table *t = &pn->table;
	struct portres_sock *owner;

	portres_net_lock(pn);
	if (!READ_ONCE(r->dead)) {
		owner = portres_table_sock(t, r->owner_key);
		portres_resv_end(pn, r, PORTRES_REASON_RELEASE);
		portres_table_sock_drop_if_idle(t, owner);
	}
	portres_net_unlock(pn);
}

static void bind_outsider_eacces(struct kunit *test)
{
	struct socket *owner = ksock(test, SOCK_STREAM);
	struct socket *uowner = ksock(test, SOCK_DGRAM);
	struct socket *s;

	acquire(test, owner, RESV_BASE, 10);
	acquire(test, uowner, RESV_BASE + 20, 1);
	s = ksock(test, SOCK_STREAM);
	KUNIT_EXPECT_EQ(test, kbind(s, INADDR_ANY, RESV_BASE), -EACCES);
	KUNIT_EXPECT_EQ(test, kbind(s, INADDR_LOOPBACK, RESV_BASE + 9), -EACCES);
	KUNIT_EXPECT_EQ(test, kport(s), 0);
	KUNIT_EXPECT_EQ(test, kbind(s, INADDR_ANY, RESV_BASE + 10), 0);
	sock_release(s);
	s = ksock(test, SOCK_DGRAM);
	KUNIT_EXPECT_EQ(test, kbind(s, INADDR_ANY, RESV_BASE + 20), -EACCES);
	/* UDP's reservation does not cover TCP's port and vice versa. */
	KUNIT_EXPECT_EQ(test, kbind(s, INADDR_ANY, RESV_BASE + 5), 0);
	sock_release(s);
	sock_release(uowner);
	sock_release(owner);
}

static void bind_ephemeral_avoids_block(struct kunit *test)
{
	struct socket *owner = ksock(test, SOCK_DGRAM);
	struct socket *s[64];
	struct portres_resv *r;
	u16 lo, hi;
	int i;

	portres_local_range(&init_net, &lo, &hi);
	/* Most of the local range: an unprotected bind(0) would land in it. */
	r = acquire(test, owner, 0, (hi - lo + 1) * 3 / 4);
	for (i = 0; i < ARRAY_SIZE(s); i++) {
		s[i] = ksock(test, i & 1 ? SOCK_STREAM : SOCK_DGRAM);
		KUNIT_EXPECT_EQ(test, kbind(s[i], INADDR_ANY, 0), 0);
		/* The reserved-port bits keep both protocols out. */
		KUNIT_EXPECT_TRUE(test, kport(s[i]) < r->first ||
				  kport(s[i]) > r->last);
	}
	for (i = 0; i < ARRAY_SIZE(s); i++)
		sock_release(s[i]);
	sock_release(owner);
}

static void bind_associated_from_block(struct kunit *test)
{
	struct socket *owner = ksock(test, SOCK_STREAM);
	struct socket *a = ksock(test, SOCK_STREAM);
	struct socket *b = ksock(test, SOCK_STREAM);
	struct socket *d = ksock(test, SOCK_STREAM);
	struct portres_resv *r;

	r = acquire(test, owner, RESV_BASE, 2);
	associate(test, a, r);
	associate(test, b, r);
	associate(test, d, r);
	KUNIT_EXPECT_EQ(test, kbind(a, INADDR_ANY, 0), 0);
	KUNIT_EXPECT_EQ(test, kbind(b, INADDR_ANY, 0), 0);
	KUNIT_EXPECT_GE(test, kport(a), RESV_BASE);
	KUNIT_EXPECT_LE(test, kport(a), RESV_BASE + 1);
	KUNIT_EXPECT_GE(test, kport(b), RESV_BASE);
	KUNIT_EXPECT_LE(test, kport(b), RESV_BASE + 1);
	KUNIT_EXPECT_NE(test, kport(a), kport(b));
	/* The block is full. */
	KUNIT_EXPECT_EQ(test, kbind(d, INADDR_ANY, 0), -EADDRINUSE);
	sock_release(a);
	KUNIT_EXPECT_EQ(test, kbind(d, INADDR_ANY, 0), 0);
	sock_release(b);
	sock_release(d);
	sock_release(owner);
	KUNIT_EXPECT_FALSE(test, portres_table_active(&pnet(test)->table));
}

static void bind_associated_explicit(struct kunit *test)
{
	struct socket *owner = ksock(test, SOCK_DGRAM);
	struct socket *a = ksock(test, SOCK_DGRAM);
	struct portres_resv *r;

	r = acquire(test, owner, RESV_BASE, 10);
	associate(test, a, r);
	KUNIT_EXPECT_EQ(test, kbind(a, INADDR_ANY, RESV_BASE + 10), -EINVAL);
	KUNIT_EXPECT_EQ(test, kbind(a, INADDR_ANY, RESV_BASE - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kbind(a, INADDR_ANY, RESV_BASE + 7), 0);
	KUNIT_EXPECT_EQ(test, kport(a), RESV_BASE + 7);
	sock_release(a);
	sock_release(owner);
}

static void bind_after_release_eaddrnotavail(struct kunit *test)
{
	struct socket *owner = ksock(test, SOCK_STREAM);
	struct socket *a = ksock(test, SOCK_STREAM);
	struct socket *b = ksock(test, SOCK_STREAM);
	struct portres_resv *r;

	r = acquire(test, owner, RESV_BASE, 4);
	associate(test, a, r);
	associate(test, b, r);
	KUNIT_EXPECT_EQ(test, kbind(a, INADDR_ANY, 0), 0);
	release(test, r);
	/* A bound socket keeps its port; an unbound one gets nothing. */
	KUNIT_EXPECT_GE(test, kport(a), RESV_BASE);
	KUNIT_EXPECT_EQ(test, kbind(b, INADDR_ANY, 0), -EADDRNOTAVAIL);
	KUNIT_EXPECT_EQ(test, kbind(b, INADDR_ANY, RESV_BASE + 1),
			-EADDRNOTAVAIL);
	KUNIT_EXPECT_FALSE(test, test_bit(RESV_BASE + 1, sysbits()));
	sock_release(a);
	sock_release(b);
	sock_release(owner);
}

static void close_ends_owned_reservations(struct kunit *test)
{
	struct resv_ctx *c = test->priv;
	struct socket *owner = ksock(test, SOCK_STREAM);
	struct socket *s;
	struct portres_resv *r;

	r = acquire(test, owner, RESV_BASE, 5);
	acquire(test, owner, RESV_BASE + 30, 5);
	refcount_inc(&r->ref);
	KUNIT_EXPECT_EQ(test, pnet(test)->table.nr_resv, 2U);
	sock_release(owner);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(r->dead));
	KUNIT_EXPECT_EQ(test, pnet(test)->table.nr_resv, 0U);
	KUNIT_EXPECT_EQ(test, pnet(test)->table.nr_socks, 0U);
	KUNIT_EXPECT_TRUE(test, sys_unchanged(c));
	portres_resv_put(r);
	s = ksock(test, SOCK_STREAM);
	KUNIT_EXPECT_EQ(test, kbind(s, INADDR_ANY, RESV_BASE), 0);
	sock_release(s);
}

static int klisten(struct kunit *test, struct socket **lsn)
{
	struct sockaddr_in sin;

	*lsn = ksock(test, SOCK_STREAM);
	KUNIT_ASSERT_EQ(test, kbind(*lsn, INADDR_LOOPBACK, 0), 0);
	KUNIT_ASSERT_EQ(test, kernel_listen(*lsn, 8), 0);
	KUNIT_ASSERT_GE(test, kernel_getsockname(*lsn, (struct sockaddr *)&sin),
			0);
	return ntohs(sin.sin_port);
}

static int kconnect(struct socket *sock, u16 port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		.sin_port = htons(port),
	};

	return kernel_connect(sock, (struct sockaddr *)&sin, sizeof(sin), 0);
}

static void connect_tcp_associated(struct kunit *test)
{
	struct socket *owner = ksock(test, SOCK_STREAM);
	struct socket *lsn, *a, *b;
	struct portres_resv *r;
	u16 lport;

	lport = klisten(test, &lsn);
	r = acquire(test, owner, RESV_BASE + 60, 3);
	a = ksock(test, SOCK_STREAM);
	associate(test, a, r);
	KUNIT_EXPECT_EQ(test, kconnect(a, lport), 0);
	KUNIT_EXPECT_GE(test, kport(a), RESV_BASE + 60);
	KUNIT_EXPECT_LE(test, kport(a), RESV_BASE + 62);
	/* An outsider's connect() never takes a reserved port. */
	b = ksock(test, SOCK_STREAM);
	KUNIT_EXPECT_EQ(test, kconnect(b, lport), 0);
	KUNIT_EXPECT_TRUE(test, kport(b) < RESV_BASE + 60 ||
			  kport(b) > RESV_BASE + 62);
	/*
	 * The listener goes first: it resets the connections it never
	 * accepted, so no TIME_WAIT entry outlives the test.
	 */
	sock_release(lsn);
	sock_release(a);
	sock_release(b);
	sock_release(owner);
}

static void connect_udp_autobind_associated(struct kunit *test)
{
	struct socket *owner = ksock(test, SOCK_DGRAM);
	struct socket *a = ksock(test, SOCK_DGRAM);
	struct portres_resv *r;

	r = acquire(test, owner, RESV_BASE + 40, 1);
	associate(test, a, r);
	KUNIT_EXPECT_EQ(test, kconnect(a, 9), 0);
	KUNIT_EXPECT_EQ(test, kport(a), RESV_BASE + 40);
	sock_release(a);
	sock_release(owner);
}

static struct kunit_case portres_bind_cases[] = {
	KUNIT_CASE(bind_outsider_eacces),
	KUNIT_CASE(bind_ephemeral_avoids_block),
	KUNIT_CASE(bind_associated_from_block),
	KUNIT_CASE(bind_associated_explicit),
	KUNIT_CASE(bind_after_release_eaddrnotavail),
	KUNIT_CASE(close_ends_owned_reservations),
	KUNIT_CASE(connect_tcp_associated),
	KUNIT_CASE(connect_udp_autobind_associated),
	{}
};

static struct kunit_suite portres_bind_suite = {
	.name = "portres_bind",
	.init = bind_test_init,
	.exit = bind_test_exit,
	.test_cases = portres_bind_cases,
};

kunit_test_suites(&portres_resv_suite, &portres_bind_suite);
