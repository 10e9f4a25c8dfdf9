// SPDX-License-Identifier: GPL-2.0
/*
 * Making and ending reservations: the table, the reserved-port bits and
 * the quota change together, under the table lock. An end wakes the
 * acquires that wait for a block (wait.c), so their waking lives here.
 */
#include <linux/moduleparam.h>
#include <linux/random.h>

#include "events.h"
#include "ports.h"
#include "resv.h"

unsigned int max_ports_per_user = 1024;
module_param(max_ports_per_user, uint, 0644);
MODULE_PARM_DESC(max_ports_per_user,
		 "Ports one user may hold reserved in a namespace without CAP_NET_ADMIN");

struct portres_search {
	struct portres_net *pn;
	int proto;
};

/* A wildcard block avoids reserved bits and ports in use. */
static bool portres_busy(void *ctx, u16 port)
{
	struct portres_search *s = ctx;

	return portres_reserved_bit(s->pn->net, port) ||
	       portres_port_bound(s->pn->net, s->proto, port);
}

/* portres_wanted_fn: some reservation of the namespace (@ctx) holds @port. */
bool portres_resv_wanted(void *ctx, u16 port)
{
	struct portres_net *pn = ctx;

	return portres_table_covers(&pn->table, port);
}

static u64 portres_new_token(struct portres_table *t)
{
	u64 token;

	do {
		token = get_random_u64();
	} while (!token || portres_table_find_token(t, token));
	return token;
}

/*
 * Puts @r, whose proto, kind, uid and owner are set, into the table for
 * @n ports from r->first (0: any free block of the local port range),
 * charging r->uid up to @limit ports. The caller holds the table lock and
 * keeps its own reference to @r.
 */
int portres_resv_create(struct portres_net *pn, struct portres_resv *r,
			u16 n, unsigned int limit)
{
	struct portres_table *t = &pn->table;
	unsigned long *sys = portres_sysctl_bits(pn->net);
	u32 p;
	int err;

	lockdep_assert_held(&t->lock);
	/* Persistent reservations belong to the system, not their creator. */
	if (r->kind == PORTRES_RUNTIME) {
		err = portres_table_charge(t, r->uid, n, limit);
		if (err)
			return err;
	}
	if (!r->first) {
		struct portres_search s = { .pn = pn, .proto = r->proto };
		u16 lo, hi;

		portres_local_range(pn->net, &lo, &hi);
		err = portres_table_find_gap(t, r->proto, n, lo, hi,
					     get_random_u32(), portres_busy, &s,
					     &r->first);
		if (err)
			goto uncharge;
	}
	r->last = r->first + n - 1;
	if (!r->token)
		r->token = portres_new_token(t);
	err = portres_table_insert(t, r);
	if (err) {
		err = err == -EEXIST ? -EADDRINUSE : err;
		goto uncharge;
	}
	err = portres_bits_claim(&pn->bits, sys, r->first, r->last);
	if (err)
		goto remove;
	/*
	 * Pairs with the barrier after a bind in bind.c: either that bind
	 * sees this reservation, or this loop sees its socket.
	 */
	smp_mb();
	for (p = r->first; p <= r->last; p++) {
		if (portres_port_bound(pn->net, r->proto, p)) {
			err = -EADDRINUSE;
			goto remove;
		}
	}
	portres_event_new(pn, r);
	return 0;

remove:
	/* Never announced, so it ends without an event. */
	portres_resv_end(pn, r, 0);
	return err;
uncharge:
	if (r->kind == PORTRES_RUNTIME)
		portres_table_uncharge(t, r->uid, n);
	return err;
}

/* Under the table lock: a block may have come free. */
void portres_wait_wake(struct portres_net *pn)
{
	lockdep_assert_held(&pn->table.lock);
	if (list_empty(&pn->waiters))
		return;
	WRITE_ONCE(pn->wait_gen, pn->wait_gen + 1);
	wake_up_all(&pn->wait_wq);
}

/* Under the table lock: the socket is closing. */
void portres_wait_cancel_sock(struct portres_net *pn, const struct sock *sk)
{
	struct portres_waiter *w;
	bool any = false;

	lockdep_assert_held(&pn->table.lock);
	list_for_each_entry(w, &pn->waiters, node) {
		if (w->sk == sk) {
			w->canceled = true;
			any = true;
		}
	}
	if (any)
		portres_wait_wake(pn);
}

/*
 * Takes @r out of the table and gives its bits and quota back; announces
 * the end for @reason (enum portres_nl_reason; 0: @r was never announced).
 */
void portres_resv_end(struct portres_net *pn, struct portres_resv *r,
		      int reason)
{
	struct portres_table *t = &pn->table;
	u16 first = r->first, last = r->last;
	bool charged = r->kind == PORTRES_RUNTIME;
	kuid_t uid = r->uid;

	lockdep_assert_held(&t->lock);
	if (reason)
		portres_event_del(pn, r, reason);
	/* The table's reference may be the last one: read @r before. */
	portres_table_remove(t, r);
	portres_bits_unclaim(&pn->bits, portres_sysctl_bits(pn->net), first,
			     last, portres_resv_wanted, pn);
	if (charged)
		portres_table_uncharge(t, uid, last - first + 1);
	portres_wait_wake(pn);
}

/*
 * Ends every reservation (for @reason) and forgets every socket of the
 * namespace.
 */
void portres_net_flush(struct portres_net *pn, int reason)
{
	struct portres_table *t = &pn->table;
	struct portres_resv *r, *rtmp;
	struct portres_sock *ps;
	struct hlist_node *tmp;
	int bkt;

	portres_net_lock(pn);
	hash_for_each_safe(t->socks, bkt, tmp, ps, node) {
		list_for_each_entry_safe(r, rtmp, &ps->owned, owner_node)
			portres_resv_end(pn, r, reason);
		portres_table_sock_drop(t, ps);
	}
	hash_for_each_safe(t->tokens, bkt, tmp, r, token_node)
		portres_resv_end(pn, r, reason);
	portres_bits_release_all(&pn->bits, portres_sysctl_bits(pn->net));
	portres_net_unlock(pn);
}
