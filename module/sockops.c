// SPDX-License-Identifier: GPL-2.0
/*
 * The three socket ioctls and the end of a socket: what the inet_ioctl,
 * inet6_ioctl and inet_release hooks hand over.
 */
#include <linux/pid.h>
#include <linux/uaccess.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <linux/portres.h>

#include "acquire.h"
#include "events.h"
#include "persist.h"
#include "ports.h"
#include "resv.h"
#include "sockops.h"

static int portres_acquire(struct sock *sk, int proto, void __user *arg)
{
	struct portres_acquisition a = {};
	int err;

	err = portres_acquire_begin(&a, sk, proto, arg);
	if (!err)
		err = portres_acquire_now(&a);
	return portres_acquire_end(&a, err);
}

static int portres_associate(struct sock *sk, int proto, void __user *arg)
{
	struct portres_net *pn = portres_net(sock_net(sk));
	struct portres_table *t = &pn->table;
	struct inet_port_reservation_token tok;
	struct portres_resv *r;
	struct portres_sock *ps;
	int err = 0;

	if (copy_from_user(&tok, arg, sizeof(tok)))
		return -EFAULT;
	/* bind() holds the socket lock too: associate is before or after. */
	lock_sock(sk);
	if (inet_sk(sk)->inet_num) {
		err = -EINVAL;
		goto out_sock;
	}
	portres_net_lock(pn);
	r = portres_table_find_token(t, tok.token);
	if (!r || r->proto != proto) {
		err = -ENOENT;
	} else if (r->kind == PORTRES_RUNTIME ?
		   r->owner != task_tgid(current) :
		   !portres_persist_admits(sock_net(sk), r)) {
		err = -EPERM;
	} else {
		ps = portres_table_sock_find_or_add(t, sk);
		if (!ps) {
			err = -ENOMEM;
		} else if (rcu_access_pointer(ps->assoc)) {
			err = -EINVAL;
		} else {
			refcount_inc(&r->ref);
			rcu_assign_pointer(ps->assoc, r);
			portres_resv_track_inuse(r);
			portres_event_associate(pn, r);
		}
	}
	portres_net_unlock(pn);
out_sock:
	release_sock(sk);
	return err;
}

static int portres_release(struct sock *sk, int proto, void __user *arg)
{
	struct portres_net *pn = portres_net(sock_net(sk));
	struct portres_table *t = &pn->table;
	struct inet_port_reservation_token tok;
	struct portres_resv *r;
	struct portres_sock *owner;
	int err = 0;

	if (copy_from_user(&tok, arg, sizeof(tok)))
		return -EFAULT;
	portres_net_lock(pn);
	r = portres_table_find_token(t, tok.token);
	if (!r || r->proto != proto) {
		err = -ENOENT;
	} else if (r->kind != PORTRES_RUNTIME) {
		err = -EINVAL;
	} else if (r->owner != task_tgid(current)) {
		err = -EPERM;
	} else {
		owner = portres_table_sock(t, r->owner_key);
		portres_resv_end(pn, r, PORTRES_REASON_RELEASE);
		portres_table_sock_drop_if_idle(t, owner);
	}
	portres_net_unlock(pn);
	return err;
}

typedef int (*portres_sock_op_fn)(struct sock *sk, int proto,
				  void __user *arg);

/* The one list of the socket operations' codes: the hooks' and io_uring's. */
static portres_sock_op_fn portres_sock_op_find(unsigned int cmd)
{
	switch (cmd) {
	case SIO_ACQUIRE_PORT_RESERVATION:
		return portres_acquire;
	case SIO_ASSOCIATE_PORT_RESERVATION:
		return portres_associate;
	case SIO_RELEASE_PORT_RESERVATION:
		return portres_release;
	}
	return NULL;
}

bool portres_is_sock_op(unsigned int cmd)
{
	return portres_sock_op_find(cmd);
}

/* One of the three socket operations on an inet socket. */
int portres_sock_op(struct sock *sk, unsigned int cmd, void __user *arg)
{
	portres_sock_op_fn op = portres_sock_op_find(cmd);
	int proto = portres_sk_proto(sk);

	if (proto < 0)
		return -EOPNOTSUPP;
	if (!op)
		return -ENOTTY;
	return op(sk, proto, arg);
}

int portres_sock_ioctl(struct socket *sock, unsigned int cmd,
		       unsigned long arg)
{
	if (!sock->sk)
		return -EINVAL;
	return portres_sock_op(sock->sk, cmd, (void __user *)arg);
}

/* The port of a closing associated socket is probably free again. */
static void portres_inuse_forget(struct portres_resv *r, u16 port)
{
	if (r && r->inuse && port >= r->first && port <= r->last)
		clear_bit(port - r->first, r->inuse);
}

/* The socket's last reference is going: end what was acquired on it. */
void portres_sock_closed(struct sock *sk)
{
	struct portres_net *pn = portres_net(sock_net(sk));
	struct portres_table *t = &pn->table;
	struct portres_resv *r, *tmp;
	struct portres_sock *ps;

	/*
	 * Nothing can add an entry or a waiter for a socket that is being
	 * released, so a lockless miss is final: most sockets pass here.
	 */
	if (!portres_wait_any(pn)) {
		if (!READ_ONCE(t->nr_socks))
			return;
		rcu_read_lock();
		ps = portres_table_sock(t, sk);
		rcu_read_unlock();
		if (!ps)
			return;
	}
	portres_net_lock(pn);
	ps = portres_table_sock(t, sk);
	if (ps) {
		list_for_each_entry_safe(r, tmp, &ps->owned, owner_node)
			portres_resv_end(pn, r, PORTRES_REASON_CLOSE);
		r = rcu_dereference_protected(ps->assoc,
					      lockdep_is_held(&t->lock));
		portres_inuse_forget(r, inet_sk(sk)->inet_num);
		portres_table_sock_drop(t, ps);
	}
	portres_wait_cancel_sock(pn, sk);
	portres_net_unlock(pn);
}
