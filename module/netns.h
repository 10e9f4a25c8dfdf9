/* SPDX-License-Identifier: GPL-2.0 */
/* portres' state in one network namespace. */
#ifndef _PORTRES_NETNS_H
#define _PORTRES_NETNS_H

#include <linux/list.h>
#include <linux/wait.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "bits.h"
#include "table.h"

struct sock;

/* An acquire waiting for its block (wait.c); its socket's close cancels it. */
struct portres_waiter {
	struct list_head node;		/* portres_net->waiters */
	const struct sock *sk;
	int proto;
	u16 first;
	u16 last;
	bool canceled;
};

struct portres_net {
	struct net *net;
	struct portres_table table;
	struct portres_bits bits;	/* under table.lock */
	/*
	 * Acquires waiting for a held block (PORTRES_F_WAIT), oldest first,
	 * and a generation bumped whenever a block may have come free: all
	 * under table.lock; nr_waiters is also read locklessly.
	 */
	struct list_head waiters;
	unsigned int nr_waiters;
	unsigned long wait_gen;
	wait_queue_head_t wait_wq;
	/*
	 * Counts as a user of the enforcement hooks (enforce.c): while the
	 * table is active or an acquire waits. Under table.lock, settled by
	 * portres_net_unlock().
	 */
	bool enforcing;
};

extern unsigned int portres_net_id;

static inline struct portres_net *portres_net(const struct net *net)
{
	return net_generic(net, portres_net_id);
}

/*
 * portres_net() for the hooks' ftrace callbacks, on every bind and close
 * while something is reserved: the same lookup, in a preempt-disabled
 * section, which is an RCU read side too and costs less than
 * rcu_read_lock() does with preemptible RCU.
 */
static __always_inline struct portres_net *
portres_net_fast(const struct net *net)
{
	struct portres_net *pn;

	preempt_disable_notrace();
	pn = rcu_dereference_sched(net->gen)->ptr[portres_net_id];
	preempt_enable_notrace();
	return pn;
}

void portres_net_setup(struct portres_net *pn, struct net *net);

static inline void portres_net_lock(struct portres_net *pn)
{
	mutex_lock(&pn->table.lock);
}

void portres_net_unlock(struct portres_net *pn);

#endif /* _PORTRES_NETNS_H */
