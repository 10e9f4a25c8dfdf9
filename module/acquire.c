// SPDX-License-Identifier: GPL-2.0
/*
 * SIO_ACQUIRE_PORT_RESERVATION, taken apart: read the request, make the
 * reservation under the table lock, then tell the caller.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/uaccess.h>
#include <net/ip.h>
#include <net/sock.h>

#include "acquire.h"
#include "enforce.h"
#include "resv.h"

/* Reads and checks the request; allocates the reservation to be. */
int portres_acquire_begin(struct portres_acquisition *a, struct sock *sk,
			  int proto, void __user *arg)
{
	struct net *net = sock_net(sk);
	struct portres_resv *r;
	u16 start;

	a->sk = sk;
	a->pn = portres_net(net);
	a->arg = arg;
	if (copy_from_user(&a->in, arg, sizeof(a->in)))
		return -EFAULT;
	start = ntohs(a->in.reservation.start_port);
	a->n = a->in.reservation.number_of_ports;
	if (a->in.pad || !a->n || (u32)start + a->n - 1 > 65535)
		return -EINVAL;
	if (start && inet_port_requires_bind_service(net, start) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;
	/* Fail on a read-only buffer before anything exists. */
	if (copy_to_user(arg, &a->in, sizeof(a->in)))
		return -EFAULT;
	a->limit = ns_capable(net->user_ns, CAP_NET_ADMIN) ?
		   UINT_MAX : READ_ONCE(max_ports_per_user);

	r = portres_resv_alloc();
	if (!r)
		return -ENOMEM;
	r->proto = proto;
	r->kind = PORTRES_RUNTIME;
	r->first = start;
	r->uid = current_euid();
	r->owner = get_pid(task_tgid(current));
	r->owner_key = sk;
	/* The process, also when an io_uring worker thread runs this. */
	get_task_comm(r->comm, current->group_leader);
	a->r = r;
	return 0;
}

/* Makes the reservation, owned by the socket. Under the table lock. */
int portres_acquire_locked(struct portres_acquisition *a)
{
	struct portres_table *t = &a->pn->table;
	struct portres_sock *ps;
	int err;

	lockdep_assert_held(&t->lock);
	ps = portres_table_sock_find_or_add(t, a->sk);
	err = ps ? portres_resv_create(a->pn, a->r, a->n, a->limit) : -ENOMEM;
	if (!err)
		list_add(&a->r->owner_node, &ps->owned);
	else
		portres_table_sock_drop_if_idle(t, ps);
	return err;
}

/*
 * The second step at once, for an acquire that does not wait: with the
 * enforcement hooks attached first, so that the reservation is enforced
 * from the moment it exists.
 */
int portres_acquire_now(struct portres_acquisition *a)
{
	int err = portres_enforce_get();

	if (err)
		return err;
	portres_net_lock(a->pn);
	err = portres_acquire_locked(a);
	portres_net_unlock(a->pn);
	portres_enforce_put();
	return err;
}

/* Tells the caller what it got; undoes the reservation if it cannot. */
int portres_acquire_end(struct portres_acquisition *a, int err)
{
	struct portres_table *t = &a->pn->table;
	struct portres_resv *r = a->r;
	struct portres_sock *ps;

	if (!r)
		return err;
	if (!err) {
		a->in.reservation.start_port = htons(r->first);
		a->in.token.token = r->token;
		if (copy_to_user(a->arg, &a->in, sizeof(a->in))) {
			portres_net_lock(a->pn);
			if (!r->dead)
				portres_resv_end(a->pn, r,
						 PORTRES_REASON_ABORT);
			ps = portres_table_sock(t, a->sk);
			portres_table_sock_drop_if_idle(t, ps);
			portres_net_unlock(a->pn);
			err = -EFAULT;
		}
	}
	portres_resv_put(r);
	a->r = NULL;
	return err;
}
