/* SPDX-License-Identifier: GPL-2.0 */
/* What the kernel's own socket tables say about a port. */
#ifndef _PORTRES_PORTS_H
#define _PORTRES_PORTS_H

#include <linux/types.h>
#include <net/ip.h>

struct net;
struct sock;
struct portres_resv;

int portres_sk_proto(const struct sock *sk);
bool portres_port_bound(struct net *net, int proto, u16 port);
void portres_local_range(struct net *net, u16 *lo, u16 *hi);
unsigned long *portres_sysctl_bits(struct net *net);

/* Set in ip_local_reserved_ports, by an administrator or by portres. */
static inline bool portres_reserved_bit(struct net *net, u16 port)
{
	return inet_is_local_reserved_port(net, port);
}

unsigned int portres_ports_in_use(struct net *net,
				  const struct portres_resv *r);

#endif /* _PORTRES_PORTS_H */
