/* SPDX-License-Identifier: GPL-2.0 */
/* The socket operations, from an ioctl or from io_uring. */
#ifndef _PORTRES_SOCKOPS_H
#define _PORTRES_SOCKOPS_H

#include <linux/portres.h>

#include "netns.h"

struct sock;
struct socket;

/* An acquire in progress: begin, then locked (maybe later), then end. */
struct portres_acquisition {
	struct sock *sk;
	struct portres_net *pn;
	void __user *arg;
	struct inet_port_reservation_instance in;
	struct portres_resv *r;
	unsigned int limit;
	u16 n;
};

int portres_acquire_begin(struct portres_acquisition *a, struct sock *sk,
			  int proto, void __user *arg);
int portres_acquire_locked(struct portres_acquisition *a);
int portres_acquire_end(struct portres_acquisition *a, int err);

bool portres_is_sock_op(unsigned int cmd);
int portres_sock_op(struct sock *sk, unsigned int cmd, void __user *arg);
int portres_sock_ioctl(struct socket *sock, unsigned int cmd,
		       unsigned long arg);
void portres_sock_closed(struct sock *sk);

#endif /* _PORTRES_SOCKOPS_H */
