/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The enforcement hooks (bind, connect, close) are attached only while some
 * namespace has a reservation, a socket entry or a waiter.
 */
#ifndef _PORTRES_ENFORCE_H
#define _PORTRES_ENFORCE_H

/* How the hooks are attached and detached (hooks.c). */
struct portres_enforce_ops {
	int (*attach)(void);
	void (*detach)(void);
};

void portres_enforce_init(const struct portres_enforce_ops *ops);
int portres_enforce_get(void);
void portres_enforce_hold(void);
void portres_enforce_put(void);
void portres_enforce_exit(void);

#endif /* _PORTRES_ENFORCE_H */
