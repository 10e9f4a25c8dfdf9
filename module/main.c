// SPDX-License-Identifier: GPL-2.0
/*
 * portres: the Windows port-reservation model for Linux sockets.
 *
 * Namespace state comes first and goes last: the hooks, the control
 * device and the netlink family use it. The family goes after the
 * namespaces, whose flush announces every reservation that unloading ends.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "ctldev.h"
#include "enforce.h"
#include "genl.h"
#include "hooks.h"
#include "ksyms.h"
#include "netns.h"
#include "proc.h"
#include "resv.h"

/*
 * Set once in module exit, before the namespaces are flushed: they then
 * end their reservations with PORTRES_REASON_UNLOAD, not _NETNS.
 */
static bool portres_unloading;

static int __net_init portres_net_init(struct net *net)
{
	portres_net_setup(portres_net(net), net);
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

static int __init portres_init(void)
{
	int err;

	err = portres_ksyms_resolve();
	if (err)
		return err;
	err = register_pernet_subsys(&portres_net_ops);
	if (err)
		return err;
	err = portres_genl_init();
	if (err)
		goto out_netns;
	err = portres_hooks_install();
	if (err)
		goto out_genl;
	err = portres_ctldev_init();
	if (err)
		goto out_hooks;
	pr_info("port reservations enabled\n");
	return 0;

out_hooks:
	portres_hooks_remove();
out_genl:
	portres_genl_exit();
out_netns:
	unregister_pernet_subsys(&portres_net_ops);
	return err;
}

static void __exit portres_exit(void)
{
	portres_ctldev_exit();
	portres_hooks_remove();
	portres_enforce_exit();
	WRITE_ONCE(portres_unloading, true);
	unregister_pernet_subsys(&portres_net_ops);
	portres_genl_exit();
	pr_info("port reservations disabled\n");
}

module_init(portres_init);
module_exit(portres_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Windows-style TCP/UDP port reservations");
MODULE_AUTHOR("The portres developers");
MODULE_VERSION(PORTRES_VERSION);
