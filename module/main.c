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
#include "events.h"
#include "genl.h"
#include "hooks.h"
#include "ksyms.h"
#include "netns.h"

static int __init portres_init(void)
{
	int err;

	err = portres_ksyms_resolve();
	if (err)
		return err;
	err = portres_netns_init();
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
	portres_netns_exit();
	return err;
}

static void __exit portres_exit(void)
{
	portres_ctldev_exit();
	portres_hooks_remove();
	WRITE_ONCE(portres_unloading, true);
	portres_netns_exit();
	portres_genl_exit();
	pr_info("port reservations disabled\n");
}

module_init(portres_init);
module_exit(portres_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Windows-style TCP/UDP port reservations");
MODULE_AUTHOR("The portres developers");
MODULE_VERSION(PORTRES_VERSION);
