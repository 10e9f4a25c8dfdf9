/* SPDX-License-Identifier: GPL-2.0 */
/* Making and ending reservations in a namespace, and socket lifetime. */
#ifndef _PORTRES_RESV_H
#define _PORTRES_RESV_H

#include <linux/types.h>

#include "netns.h"

struct sock;
struct socket;

extern unsigned int max_ports_per_user;

int portres_resv_create(struct portres_net *pn, struct portres_resv *r,
			u16 n, unsigned int limit);
void portres_resv_end(struct portres_net *pn, struct portres_resv *r);
void portres_net_flush(struct portres_net *pn);
void portres_sock_closed(struct sock *sk);
int portres_sock_ioctl(struct socket *sock, unsigned int cmd,
		       unsigned long arg);

#endif /* _PORTRES_RESV_H */
