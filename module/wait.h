/* SPDX-License-Identifier: GPL-2.0 */
/* Acquires that wait for a held block (PORTRES_F_WAIT). */
#ifndef _PORTRES_WAIT_H
#define _PORTRES_WAIT_H

#include <linux/types.h>

#include "netns.h"

struct sock;
struct socket;

static inline bool portres_wait_any(struct portres_net *pn)
{
	return READ_ONCE(pn->nr_waiters) != 0;
}

void portres_wait_wake(struct portres_net *pn);
void portres_wait_cancel_sock(struct portres_net *pn, const struct sock *sk);
int portres_acquire_wait(struct socket *sock, int proto, void __user *arg);

#endif /* _PORTRES_WAIT_H */
