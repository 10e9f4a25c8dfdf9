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

void portres_table_init(struct portres_table *t)
{
	int p;

	mutex_init(&t->lock);
	for (p = 0; p < PORTRES_NPROTO; p++)
		mt_init_flags(&t->ranges[p], MT_FLAGS_USE_RCU);
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

/*
 * The highest port in [s, e] that stops a block from starting at s, or -1.
 * Every start from s up to that port is then known to fail as well.
 */
static int portres_gap_conflict(struct portres_table *t, int proto,
				u16 s, u16 e, portres_busy_fn busy, void *ctx)
{
	unsigned long index = s;
	struct portres_resv *r;
	int p;

	r = mt_find(&t->ranges[proto], &index, e);
	if (r)
		return r->last;
	for (p = e; p >= s; p--)
		if (busy && busy(ctx, p))
			return p;
	return -1;
}

/*
 * Finds a start for @n consecutive free ports inside [lo, hi], trying
 * starts from @offset (modulo the number of possible starts) onwards and
 * jumping over whatever is in the way. -ENOSPC when no block fits.
 */
int portres_table_find_gap(struct portres_table *t, int proto, u16 n,
			   u16 lo, u16 hi, u32 offset,
			   portres_busy_fn busy, void *ctx, u16 *start)
{
	u32 count, pos, tried = 0;

	lockdep_assert_held(&t->lock);
	if (!n || lo > hi || n > hi - lo + 1)
		return -ENOSPC;
	count = hi - lo + 1 - n + 1;
	pos = offset % count;
	while (tried < count) {
		u16 s = lo + pos;
		int bad = portres_gap_conflict(t, proto, s, s + n - 1, busy,
					       ctx);
		u32 skip;

		if (bad < 0) {
			*start = s;
			return 0;
		}
		skip = bad - s + 1;
		if (pos + skip >= count) {
			tried += count - pos;
			pos = 0;
		} else {
			tried += skip;
			pos += skip;
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
struct portres_sock *portres_table_sock_get(struct portres_table *t,
					    const void *key)
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
	WRITE_ONCE(t->nr_socks, t->nr_socks - 1);
	portres_table_update_active(t);
	portres_resv_put(ps->assoc);
	kfree_rcu(ps, rcu);
}

/* Drops the entry when it no longer holds anything. */
void portres_table_sock_put_idle(struct portres_table *t,
				 struct portres_sock *ps)
{
	if (ps && !ps->assoc && list_empty(&ps->owned))
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
