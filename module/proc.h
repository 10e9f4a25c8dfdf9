/* SPDX-License-Identifier: GPL-2.0 */
/* /proc/net/port_reservations. */
#ifndef _PORTRES_PROC_H
#define _PORTRES_PROC_H

struct net;

int portres_proc_init_net(struct net *net);
void portres_proc_exit_net(struct net *net);

#endif /* _PORTRES_PROC_H */
