/* SPDX-License-Identifier: GPL-2.0 */
/* What the kernel's own socket tables say about a port. */
#ifndef _PORTRES_PORTS_H
#define _PORTRES_PORTS_H

#include <linux/types.h>

struct net;
struct sock;
struct portres_resv;

int portres_sk_proto(const struct sock *sk);
bool portres_port_bound(struct net *net, int proto, u16 port);
void portres_local_range(struct net *net, u16 *lo, u16 *hi);
unsigned long *portres_sysctl_bits(struct net *net);
bool portres_reserved_bit(struct net *net, u16 port);
unsigned int portres_ports_in_use(struct net *net,
				  const struct portres_resv *r);

#endif /* _PORTRES_PORTS_H */
