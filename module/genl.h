/* SPDX-License-Identifier: GPL-2.0 */
/* The generic netlink family "portres": dumps and notifications. */
#ifndef _PORTRES_GENL_H
#define _PORTRES_GENL_H

struct net;
struct portres_resv;

int portres_genl_init(void);
void portres_genl_exit(void);
/*
 * Under the table lock: PORTRES_CMD_NEW for @r (@reason 0), or
 * PORTRES_CMD_DEL with @reason, to the "notify" group of @net.
 */
void portres_genl_notify(struct net *net, const struct portres_resv *r,
			 int reason);

#endif /* _PORTRES_GENL_H */
