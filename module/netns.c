// SPDX-License-Identifier: GPL-2.0
/* Per-namespace state: made with the namespace, flushed when it goes. */
#include <net/net_namespace.h>

#include "events.h"
#include "netns.h"
#include "proc.h"
#include "resv.h"

unsigned int portres_net_id __read_mostly;

static int __net_init portres_net_init(struct net *net)
{
	struct portres_net *pn = portres_net(net);

	pn->net = net;
	portres_table_init(&pn->table);
	INIT_LIST_HEAD(&pn->waiters);
	init_waitqueue_head(&pn->wait_wq);
	return portres_proc_init_net(net);
}

static void __net_exit portres_net_exit(struct net *net)
{
	struct portres_net *pn = portres_net(net);

	portres_proc_exit_net(net);
	portres_net_flush(pn, READ_ONCE(portres_unloading) ?
			  PORTRES_REASON_UNLOAD : PORTRES_REASON_NETNS);
	portres_table_destroy(&pn->table);
}

static struct pernet_operations portres_net_ops = {
	.init = portres_net_init,
	.exit = portres_net_exit,
	.id = &portres_net_id,
	.size = sizeof(struct portres_net),
};

int portres_netns_init(void)
{
	return register_pernet_subsys(&portres_net_ops);
}

void portres_netns_exit(void)
{
	unregister_pernet_subsys(&portres_net_ops);
}
