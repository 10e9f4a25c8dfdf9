// SPDX-License-Identifier: GPL-2.0
/*
 * Events: every reservation made or ended is traced and announced on the
 * generic netlink group "notify"; associations and refused binds are
 * traced, and each refusal is counted in its reservation.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"

#include "events.h"
#include "genl.h"

void portres_event_new(struct portres_net *pn, struct portres_resv *r)
{
	lockdep_assert_held(&pn->table.lock);
	trace_portres_acquire(pn->net, r);
	portres_genl_notify(pn->net, r, 0);
}

void portres_event_del(struct portres_net *pn, struct portres_resv *r,
		       int reason)
{
	lockdep_assert_held(&pn->table.lock);
	trace_portres_release(pn->net, r, reason);
	portres_genl_notify(pn->net, r, reason);
}

void portres_event_associate(struct portres_net *pn, struct portres_resv *r)
{
	lockdep_assert_held(&pn->table.lock);
	trace_portres_associate(pn->net, r);
}

void portres_event_refused(struct net *net, struct portres_resv *r,
			   u16 port, int err)
{
	atomic64_inc(&r->refused);
	trace_portres_bind_refused(net, r, port, err);
}
