// SPDX-License-Identifier: GPL-2.0
/*
 * PORTRES_F_WAIT: an acquire of a block that another reservation holds
 * sleeps until the block is free, oldest waiter first among overlapping
 * blocks. It sleeps in an io-wq worker, where io_uring cancels it with a
 * signal (ring or task exit, IORING_OP_ASYNC_CANCEL); closing its socket
 * cancels it too. Either way it ends with -ECANCELED.
 */
#include <linux/net.h>
#include <linux/wait.h>
#include <net/sock.h>

#include "acquire.h"
#include "enforce.h"
#include "resv.h"
#include "wait.h"

/* Under the table lock: the block is reserved, or an older waiter wants it. */
static bool portres_wait_blocked(struct portres_net *pn,
				 struct portres_waiter *w)
{
	unsigned long index = w->first;
	struct portres_waiter *o;

	if (mt_find(&pn->table.ranges[w->proto], &index, w->last))
		return true;
	list_for_each_entry(o, &pn->waiters, node) {
		if (o == w)
			break;
		if (o->proto == w->proto && o->first <= w->last &&
		    w->first <= o->last)
			return true;
	}
	return false;
}

static void portres_wait_dequeue(struct portres_net *pn,
				 struct portres_waiter *w)
{
	list_del(&w->node);
	atomic_dec(portres_sock_slot(w->sk));
	WRITE_ONCE(pn->nr_waiters, pn->nr_waiters - 1);
	/* Younger waiters behind this one may go now. */
	portres_wait_wake(pn);
}

/*
 * An acquire that waits while another reservation holds its block.
 * Consumes the caller's reference to @sock: it must not keep the socket
 * open while it sleeps, or closing the socket could not cancel it.
 */
int portres_acquire_wait(struct socket *sock, int proto, void __user *arg)
{
	struct sock *sk = sock->sk;
	struct portres_acquisition a = {};
	struct portres_waiter w = { .sk = sk, .proto = proto };
	unsigned long gen;
	bool sock_ref = true;
	int err;

	err = portres_acquire_begin(&a, sk, proto, arg);
	if (err)
		goto out_end;
	if (!a.r->first) {
		/* A wildcard block waits for nobody. */
		err = portres_acquire_now(&a);
		goto out_end;
	}
	/* The waiter, then the reservation, need the enforcement hooks. */
	err = portres_enforce_get();
	if (err)
		goto out_end;
	w.first = a.r->first;
	w.last = a.r->first + a.n - 1;
	sock_hold(sk);

	portres_net_lock(a.pn);
	list_add_tail(&w.node, &a.pn->waiters);
	/* Before the socket reference goes: its close must see the wait. */
	atomic_inc(portres_sock_slot(sk));
	WRITE_ONCE(a.pn->nr_waiters, a.pn->nr_waiters + 1);
	while (!w.canceled && portres_wait_blocked(a.pn, &w)) {
		gen = a.pn->wait_gen;
		portres_net_unlock(a.pn);
		if (sock_ref) {
			/* Queued: from now on a close cancels this wait. */
			sockfd_put(sock);
			sock_ref = false;
		}
		err = wait_event_interruptible(a.pn->wait_wq,
					       READ_ONCE(a.pn->wait_gen) != gen);
		portres_net_lock(a.pn);
		if (err)
			w.canceled = true;
	}
	err = w.canceled ? -ECANCELED : portres_acquire_locked(&a);
	portres_wait_dequeue(a.pn, &w);
	portres_net_unlock(a.pn);
	portres_enforce_put();

	err = portres_acquire_end(&a, err);
	if (sock_ref)
		sockfd_put(sock);
	sock_put(sk);
	return err;

out_end:
	err = portres_acquire_end(&a, err);
	sockfd_put(sock);
	return err;
}
