/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An acquire in three steps, so that PORTRES_F_WAIT (wait.c) can sleep
 * between the first and the second.
 */
#ifndef _PORTRES_ACQUIRE_H
#define _PORTRES_ACQUIRE_H

#include <linux/portres.h>

#include "netns.h"

struct sock;

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
int portres_acquire_now(struct portres_acquisition *a);
int portres_acquire_end(struct portres_acquisition *a, int err);

#endif /* _PORTRES_ACQUIRE_H */
