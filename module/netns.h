/* SPDX-License-Identifier: GPL-2.0 */
/* portres' state in one network namespace. */
#ifndef _PORTRES_NETNS_H
#define _PORTRES_NETNS_H

#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "bits.h"
#include "table.h"

struct portres_net {
	struct net *net;
	struct portres_table table;
	struct portres_bits bits;	/* under table.lock */
};

extern unsigned int portres_net_id;

static inline struct portres_net *portres_net(const struct net *net)
{
	return net_generic(net, portres_net_id);
}

int portres_netns_init(void);
void portres_netns_exit(void);

#endif /* _PORTRES_NETNS_H */
