/* SPDX-License-Identifier: GPL-2.0 */
/* Making and ending reservations in a namespace. */
#ifndef _PORTRES_RESV_H
#define _PORTRES_RESV_H

#include <linux/types.h>

#include "netns.h"

struct sock;

extern unsigned int max_ports_per_user;

int portres_resv_create(struct portres_net *pn, struct portres_resv *r,
			u16 n, unsigned int limit);
void portres_resv_end(struct portres_net *pn, struct portres_resv *r,
		      int reason);
bool portres_resv_wanted(void *ctx, u16 port);
void portres_net_flush(struct portres_net *pn, int reason);

/* Acquires that wait for a block (wait.c): ends wake them, closes cancel. */
static inline bool portres_wait_any(struct portres_net *pn)
{
	return READ_ONCE(pn->nr_waiters) != 0;
}

void portres_wait_wake(struct portres_net *pn);
void portres_wait_cancel_sock(struct portres_net *pn, const struct sock *sk);

#endif /* _PORTRES_RESV_H */
