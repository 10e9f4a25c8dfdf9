// SPDX-License-Identifier: GPL-2.0
/*
 * A write to ip_local_reserved_ports replaces the bitmap. portres lets the
 * write land in an empty bitmap of its own, so that it learns exactly which
 * ports the administrator listed, and publishes them with its own ports
 * added: reserved ports never become ephemeral ports, even for a moment,
 * and the ports the administrator listed stay after portres lets go.
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
	copy = *table;
	copy.data = &tmp;
	/*
	 * A write longer than a page comes in chunks: the handler replaces
	 * the bitmap at offset 0 and ORs into it after (@pos > 0). Either
	 * way @tmp, empty before, ends up holding what this chunk listed.
	 */
	err = handler(&copy, write, buffer, lenp, ppos);
	if (!err)
		portres_bits_merge(&pn->bits, sys, tmp, pos == 0,
				   portres_resv_wanted, pn);
	bitmap_free(tmp);
out:
	mutex_unlock(&pn->table.lock);
	return err;
}
