// SPDX-License-Identifier: GPL-2.0
/*
 * The reservation table: non-overlapping port ranges per protocol in a
 * maple tree (O(log n), RCU lookups), tokens and sockets in hashes, and
 * the per-user quota.
 */
#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/pid.h>

#include "table.h"

atomic_t portres_sock_slots[1 << PORTRES_SOCK_SLOT_BITS];

void portres_table_init(struct portres_table *t)
{
	int p;

	mutex_init(&t->lock);
	for (p = 0; p < PORTRES_NPROTO; p++)
		mt_init_flags(&t->ranges[p],
			      MT_FLAGS_ALLOC_RANGE | MT_FLAGS_USE_RCU);
	hash_init(t->tokens);
	hash_init(t->socks);
	xa_init(&t->quota);
	t->nr_resv = 0;
	t->nr_socks = 0;
	t->active = 0;
}

/* The caller has emptied the table; this frees what the structures hold. */
void portres_table_destroy(struct portres_table *t)
{
	int p;

	WARN_ON(t->nr_resv || t->nr_socks);
	for (p = 0; p < PORTRES_NPROTO; p++)
		mtree_destroy(&t->ranges[p]);
	xa_destroy(&t->quota);
	mutex_destroy(&t->lock);
}

static void portres_table_update_active(struct portres_table *t)
{
	WRITE_ONCE(t->active, t->nr_resv + t->nr_socks);
}

struct portres_resv *portres_resv_alloc(void)
{
	struct portres_resv *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	refcount_set(&r->ref, 1);
	INIT_LIST_HEAD(&r->owner_node);
	INIT_HLIST_NODE(&r->token_node);
	return r;
}

static void portres_resv_free_rcu(struct rcu_head *head)
{
	struct portres_resv *r = container_of(head, struct portres_resv, rcu);

	put_pid(r->owner);
	bitmap_free(r->inuse);
	kfree(r);
}

void portres_resv_put(struct portres_resv *r)
{
	if (r && refcount_dec_and_test(&r->ref))
		call_rcu(&r->rcu, portres_resv_free_rcu);
}

/* Starts the in-use hint; without memory, bind(0) just probes every port. */
void portres_resv_track_inuse(struct portres_resv *r)
{
	unsigned long *map;

	if (r->inuse)
		return;
	map = bitmap_zalloc(r->last - r->first + 1, GFP_KERNEL_ACCOUNT);
	/* Pairs with smp_load_acquire() on the bind path. */
	smp_store_release(&r->inuse, map);
}

/*
 * Returns -EEXIST when any port of the range is already reserved. The
 * table takes its own reference.
 */
int portres_table_insert(struct portres_table *t, struct portres_resv *r)
{
	int err;

	lockdep_assert_held(&t->lock);
	err = mtree_insert_range(&t->ranges[r->proto], r->first, r->last, r,
				 GFP_KERNEL_ACCOUNT);
	if (err)
		return err;
	refcount_inc(&r->ref);
	hash_add_rcu(t->tokens, &r->token_node, r->token);
	t->nr_resv++;
	portres_table_update_active(t);
	return 0;
}

/* Takes the reservation out of the table and drops the table's reference. */
void portres_table_remove(struct portres_table *t, struct portres_resv *r)
{
	lockdep_assert_held(&t->lock);
	/*
	 * Taking a range out of the maple tree may need a node. It must not
	 * fail: mtree_erase() gives up on ENOMEM and would leave the
	 * reservation, freed below, in the tree.
	 */
	mtree_store_range(&t->ranges[r->proto], r->first, r->last, NULL,
			  GFP_KERNEL | __GFP_NOFAIL);
	hash_del_rcu(&r->token_node);
	list_del_init(&r->owner_node);
	WRITE_ONCE(r->dead, true);
	t->nr_resv--;
	portres_table_update_active(t);
	portres_resv_put(r);
}

struct portres_resv *portres_table_find_token(struct portres_table *t,
					      u64 token)
{
	struct portres_resv *r;

	hash_for_each_possible_rcu(t->tokens, r, token_node, token,
				   lockdep_is_held(&t->lock))
		if (r->token == token)
			return r;
	return NULL;
}

bool portres_table_token_used(struct portres_table *t, u64 token)
{
	bool used;

	rcu_read_lock();
	used = portres_table_find_token(t, token);
	rcu_read_unlock();
	return used;
}

/* Under rcu_read_lock() or the table lock. */
struct portres_resv *portres_table_find_port(struct portres_table *t,
					     int proto, u16 port)
{
	return mtree_load(&t->ranges[proto], port);
}

/* Whether any reservation, of either protocol, holds the port. */
bool portres_table_covers(struct portres_table *t, u16 port)
{
	int p;

	lockdep_assert_held(&t->lock);
	for (p = 0; p < PORTRES_NPROTO; p++)
		if (mtree_load(&t->ranges[p], port))
			return true;
	return false;
}

/* The lowest start >= @from of @n unreserved ports ending by @to, walking. */
static int portres_next_gap_walk(struct portres_table *t, int proto,
				 u32 from, u32 to, u16 n, u32 *start)
{
	struct portres_resv *r;
	unsigned long index;

	while (from + n - 1 <= to) {
		index = from;
		r = mt_find(&t->ranges[proto], &index, from + n - 1);
		if (!r) {
			*start = from;
			return 0;
		}
		from = r->last + 1;
	}
	return -EBUSY;
}

/*
 * The same through the tree's gap search, O(log n). Its answer is checked
 * and a miss walks instead: 6.1's mas_empty_area() can miss a gap.
 */
static int portres_next_gap(struct portres_table *t, int proto, u32 from,
			    u32 to, u16 n, u32 *start)
{
	MA_STATE(mas, &t->ranges[proto], 0, 0);
	unsigned long index;
	int err;

	if (from + n - 1 > to)
		return -EBUSY;
	rcu_read_lock();
	err = mas_empty_area(&mas, from, to, n);
	rcu_read_unlock();
	index = mas.index;
	if (err || index < from || index + n - 1 > to ||
	    mt_find(&t->ranges[proto], &index, mas.index + n - 1))
		return portres_next_gap_walk(t, proto, from, to, n, start);
	*start = mas.index;
	return 0;
}

/* The highest busy port in [s, e], or -1: no start up to it can work. */
static int portres_busy_port(u32 s, u32 e, portres_busy_fn busy, void *ctx)
{
	u32 p;

	for (p = e + 1; busy && p-- > s;)
		if (busy(ctx, p))
			return p;
	return -1;
}

/*
 * Finds a start for @n consecutive free ports inside [lo, hi], trying
 * starts from lo + @offset (modulo the possible starts) onwards, then the
 * ones before. The maple tree's gap search skips reserved ranges in
 * O(log n); a busy port found in a candidate block skips past it.
 * -ENOSPC when no block fits.
 */
int portres_table_find_gap(struct portres_table *t, int proto, u16 n,
			   u16 lo, u16 hi, u32 offset,
			   portres_busy_fn busy, void *ctx, u16 *start)
{
	u32 first, from, to, s;
	int pass, bad;

	lockdep_assert_held(&t->lock);
	if (!n || lo > hi || n > hi - lo + 1)
		return -ENOSPC;
	first = lo + offset % (hi - lo + 1 - n + 1);
	for (pass = 0; pass < 2; pass++) {
		from = pass ? lo : first;
		to = pass ? min_t(u32, hi, first + n - 2) : hi;
		while (!portres_next_gap(t, proto, from, to, n, &s)) {
			bad = portres_busy_port(s, s + n - 1, busy, ctx);
			if (bad < 0) {
				*start = s;
				return 0;
			}
			from = bad + 1;
		}
	}
	return -ENOSPC;
}

struct portres_sock *portres_table_sock(struct portres_table *t,
					const void *key)
{
	struct portres_sock *ps;

	hash_for_each_possible_rcu(t->socks, ps, node, (unsigned long)key,
				   lockdep_is_held(&t->lock))
		if (ps->key == key)
			return ps;
	return NULL;
}

/* The socket's entry, created if needed; NULL when out of memory. */
struct portres_sock *
portres_table_sock_find_or_add(struct portres_table *t, const void *key)
{
	struct portres_sock *ps;

	lockdep_assert_held(&t->lock);
	ps = portres_table_sock(t, key);
	if (ps)
		return ps;
	ps = kzalloc(sizeof(*ps), GFP_KERNEL_ACCOUNT);
	if (!ps)
		return NULL;
	ps->key = key;
	INIT_LIST_HEAD(&ps->owned);
	hash_add_rcu(t->socks, &ps->node, (unsigned long)key);
	atomic_inc(portres_sock_slot(key));
	WRITE_ONCE(t->nr_socks, t->nr_socks + 1);
	portres_table_update_active(t);
	return ps;
}

/* Forgets the socket; its owned reservations must be gone already. */
void portres_table_sock_drop(struct portres_table *t, struct portres_sock *ps)
{
	lockdep_assert_held(&t->lock);
	WARN_ON(!list_empty(&ps->owned));
	hash_del_rcu(&ps->node);
	atomic_dec(portres_sock_slot(ps->key));
	WRITE_ONCE(t->nr_socks, t->nr_socks - 1);
	portres_table_update_active(t);
	portres_resv_put(rcu_dereference_protected(ps->assoc,
						   lockdep_is_held(&t->lock)));
	kfree_rcu(ps, rcu);
}

/* Drops the entry when it no longer holds anything. */
void portres_table_sock_drop_if_idle(struct portres_table *t,
				     struct portres_sock *ps)
{
	if (ps && !rcu_access_pointer(ps->assoc) && list_empty(&ps->owned))
		portres_table_sock_drop(t, ps);
}

unsigned int portres_table_charged(struct portres_table *t, kuid_t uid)
{
	return xa_to_value(xa_load(&t->quota, __kuid_val(uid)) ?:
			   xa_mk_value(0));
}

/* Adds @ports to what @uid holds, unless that goes past @limit. */
int portres_table_charge(struct portres_table *t, kuid_t uid,
			 unsigned int ports, unsigned int limit)
{
	unsigned int held;

	lockdep_assert_held(&t->lock);
	held = portres_table_charged(t, uid);
	if (ports > limit || held > limit - ports)
		return -EDQUOT;
	return xa_err(xa_store(&t->quota, __kuid_val(uid),
			       xa_mk_value(held + ports), GFP_KERNEL_ACCOUNT));
}

void portres_table_uncharge(struct portres_table *t, kuid_t uid,
			    unsigned int ports)
{
	unsigned int held;

	lockdep_assert_held(&t->lock);
	held = portres_table_charged(t, uid);
	if (WARN_ON(held < ports))
		ports = held;
	if (held == ports)
		xa_erase(&t->quota, __kuid_val(uid));
	else
		/* Replacing an existing entry does not allocate. */
		xa_store(&t->quota, __kuid_val(uid),
			 xa_mk_value(held - ports), GFP_KERNEL);
}
