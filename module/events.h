/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What portres tells the world: tracepoints (trace.h) and generic netlink
 * notifications (genl.c) of reservations made and ended, associations and
 * refused binds.
 */
#ifndef _PORTRES_EVENTS_H
#define _PORTRES_EVENTS_H

#include <linux/types.h>

#include "netns.h"

/* Under the table lock: @r was made, or ended for @reason. */
void portres_event_new(struct portres_net *pn, struct portres_resv *r);
void portres_event_del(struct portres_net *pn, struct portres_resv *r,
		       int reason);
/* Under the table lock: a socket was associated with @r. */
void portres_event_associate(struct portres_net *pn, struct portres_resv *r);
/*
 * Under rcu_read_lock() (or the table lock): @r made a bind() to @port
 * fail with -@err. Counts it in @r and traces it.
 */
void portres_event_refused(struct net *net, struct portres_resv *r,
			   u16 port, int err);

#endif /* _PORTRES_EVENTS_H */
