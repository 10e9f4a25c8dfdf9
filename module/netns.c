// SPDX-License-Identifier: GPL-2.0
/* Per-namespace state; main.c makes and flushes it with the namespace. */
#include "enforce.h"
#include "netns.h"

unsigned int portres_net_id __read_mostly;

/* The empty state of a new namespace. */
void portres_net_setup(struct portres_net *pn, struct net *net)
{
	pn->net = net;
	portres_table_init(&pn->table);
	INIT_LIST_HEAD(&pn->waiters);
	init_waitqueue_head(&pn->wait_wq);
}

/*
 * Unlocks the table, the namespace's hold on the enforcement hooks now
 * following what it has. Whoever makes the first entry holds a user
 * already (portres_enforce_get() before the lock), so the hooks are live.
 */
void portres_net_unlock(struct portres_net *pn)
{
	bool want = portres_table_active(&pn->table) || pn->nr_waiters;
	bool drop = pn->enforcing && !want;

	if (want && !pn->enforcing)
		portres_enforce_hold();
	pn->enforcing = want;
	mutex_unlock(&pn->table.lock);
	if (drop)
		portres_enforce_put();
}
