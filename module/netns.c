// SPDX-License-Identifier: GPL-2.0
/* Per-namespace state; main.c makes and flushes it with the namespace. */
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
