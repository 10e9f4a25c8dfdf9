/* SPDX-License-Identifier: GPL-2.0 */
/* The socket operations, from an ioctl or from io_uring. */
#ifndef _PORTRES_SOCKOPS_H
#define _PORTRES_SOCKOPS_H

#include <linux/types.h>

struct sock;
struct socket;

bool portres_is_sock_op(unsigned int cmd);
int portres_sock_op(struct sock *sk, unsigned int cmd, void __user *arg);
int portres_sock_ioctl(struct socket *sock, unsigned int cmd,
		       unsigned long arg);
void portres_sock_closed(struct sock *sk);

#endif /* _PORTRES_SOCKOPS_H */
