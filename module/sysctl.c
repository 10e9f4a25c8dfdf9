// SPDX-License-Identifier: GPL-2.0
/*
 * A write to ip_local_reserved_ports replaces the bitmap. portres lets the
 * write land in a copy and publishes the copy with its own ports added, so
 * that reserved ports never become ephemeral ports, even for a moment.
 */
#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "netns.h"
#include "resv.h"
#include "sysctl.h"

int portres_sysctl_handler(portres_ctl_table_t *table, int write,
			   void *buffer, size_t *lenp, loff_t *ppos,
			   portres_bitmap_handler_fn handler)
{
	struct portres_net *pn;
	struct ctl_table copy;
	unsigned long *sys, *tmp;
	loff_t pos = *ppos;
	struct net *net;
	int err;

	if (!write || !table->procname ||
	    strcmp(table->procname, "ip_local_reserved_ports"))
		return handler(table, write, buffer, lenp, ppos);
	/* Each namespace's table points at its own bitmap pointer. */
	net = container_of(table->data, struct net,
			   ipv4.sysctl_local_reserved_ports);
	pn = portres_net(net);
	sys = net->ipv4.sysctl_local_reserved_ports;

	mutex_lock(&pn->table.lock);
	if (!pn->bits.owned) {
		err = handler(table, write, buffer, lenp, ppos);
		goto out;
	}
	tmp = bitmap_zalloc(PORTRES_NR_PORTS, GFP_KERNEL);
	if (!tmp) {
		err = -ENOMEM;
		goto out;
	}
	bitmap_copy(tmp, sys, PORTRES_NR_PORTS);
	copy = *table;
	copy.data = &tmp;
	err = handler(&copy, write, buffer, lenp, ppos);
	if (!err)
		portres_bits_merge(&pn->bits, sys, tmp, pos == 0,
				   portres_resv_wanted, pn);
	bitmap_free(tmp);
out:
	mutex_unlock(&pn->table.lock);
	return err;
}
