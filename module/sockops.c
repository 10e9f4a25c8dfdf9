// SPDX-License-Identifier: GPL-2.0
/*
 * The three socket ioctls and the end of a socket: what the inet_ioctl,
 * inet6_ioctl and inet_release hooks hand over.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/uaccess.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/sock.h>
#include <linux/portres.h>

#include "persist.h"
#include "ports.h"
#include "resv.h"

static int portres_acquire(struct sock *sk, int proto, void __user *arg)
{
	struct net *net = sock_net(sk);
	struct portres_net *pn = portres_net(net);
	struct portres_table *t = &pn->table;
	struct inet_port_reservation_instance in;
	struct portres_resv *r;
	struct portres_sock *ps;
	unsigned int limit;
	u16 start, n;
	int err;

	if (copy_from_user(&in, arg, sizeof(in)))
		return -EFAULT;
	start = ntohs(in.reservation.start_port);
	n = in.reservation.number_of_ports;
	if (in.pad || !n || (u32)start + n - 1 > 65535)
		return -EINVAL;
	if (start && inet_port_requires_bind_service(net, start) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;
	/* Fail on a read-only buffer before anything exists. */
	if (copy_to_user(arg, &in, sizeof(in)))
		return -EFAULT;
	limit = ns_capable(net->user_ns, CAP_NET_ADMIN) ?
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
	get_task_comm(r->comm, current);

	mutex_lock(&t->lock);
	ps = portres_table_sock_get(t, sk);
	err = ps ? portres_resv_create(pn, r, n, limit) : -ENOMEM;
	if (!err)
		list_add(&r->owner_node, &ps->owned);
	else
		portres_table_sock_put_idle(t, ps);
	mutex_unlock(&t->lock);

	if (!err) {
		in.reservation.start_port = htons(r->first);
		in.token.token = r->token;
		if (copy_to_user(arg, &in, sizeof(in))) {
			mutex_lock(&t->lock);
			if (!r->dead)
				portres_resv_end(pn, r);
			portres_table_sock_put_idle(t, portres_table_sock(t, sk));
			mutex_unlock(&t->lock);
			err = -EFAULT;
		}
	}
	portres_resv_put(r);
	return err;
}

static int portres_associate(struct sock *sk, int proto, void __user *arg)
{
	struct portres_table *t = &portres_net(sock_net(sk))->table;
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
	mutex_lock(&t->lock);
	r = portres_table_find_token(t, tok.token);
	if (!r || r->proto != proto) {
		err = -ENOENT;
	} else if (r->kind == PORTRES_RUNTIME ?
		   r->owner != task_tgid(current) :
		   !portres_persist_admits(sock_net(sk), r)) {
		err = -EPERM;
	} else {
		ps = portres_table_sock_get(t, sk);
		if (!ps) {
			err = -ENOMEM;
		} else if (ps->assoc) {
			err = -EINVAL;
		} else {
			refcount_inc(&r->ref);
			WRITE_ONCE(ps->assoc, r);
		}
	}
	mutex_unlock(&t->lock);
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
	mutex_lock(&t->lock);
	r = portres_table_find_token(t, tok.token);
	if (!r || r->proto != proto) {
		err = -ENOENT;
	} else if (r->kind != PORTRES_RUNTIME) {
		err = -EINVAL;
	} else if (r->owner != task_tgid(current)) {
		err = -EPERM;
	} else {
		owner = portres_table_sock(t, r->owner_key);
		portres_resv_end(pn, r);
		portres_table_sock_put_idle(t, owner);
	}
	mutex_unlock(&t->lock);
	return err;
}

int portres_sock_ioctl(struct socket *sock, unsigned int cmd,
		       unsigned long arg)
{
	struct sock *sk = sock->sk;
	int proto;

	if (!sk)
		return -EINVAL;
	proto = portres_sk_proto(sk);
	if (proto < 0)
		return -EOPNOTSUPP;
	switch (cmd) {
	case SIO_ACQUIRE_PORT_RESERVATION:
		return portres_acquire(sk, proto, (void __user *)arg);
	case SIO_ASSOCIATE_PORT_RESERVATION:
		return portres_associate(sk, proto, (void __user *)arg);
	case SIO_RELEASE_PORT_RESERVATION:
		return portres_release(sk, proto, (void __user *)arg);
	}
	return -ENOIOCTLCMD;
}

/* The socket's last reference is going: end what was acquired on it. */
void portres_sock_closed(struct sock *sk)
{
	struct portres_net *pn = portres_net(sock_net(sk));
	struct portres_table *t = &pn->table;
	struct portres_resv *r, *tmp;
	struct portres_sock *ps;

	/* Nothing can add an entry for a socket that is being released. */
	if (!READ_ONCE(t->nr_socks))
		return;
	mutex_lock(&t->lock);
	ps = portres_table_sock(t, sk);
	if (ps) {
		list_for_each_entry_safe(r, tmp, &ps->owned, owner_node)
			portres_resv_end(pn, r);
		portres_table_sock_drop(t, ps);
	}
	mutex_unlock(&t->lock);
}
