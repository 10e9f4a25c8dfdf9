/* SPDX-License-Identifier: GPL-2.0 */
/* Persistent reservations: made by administrators, kept until deleted. */
#ifndef _PORTRES_PERSIST_H
#define _PORTRES_PERSIST_H

#include <linux/types.h>

struct net;
struct portres_persistent;
struct portres_resv;

bool portres_persist_admits(struct net *net, const struct portres_resv *r);
int portres_persist_create(struct net *net, struct portres_persistent *p);
int portres_persist_delete(struct net *net, struct portres_persistent *p);
int portres_persist_lookup(struct net *net, struct portres_persistent *p);

#endif /* _PORTRES_PERSIST_H */
