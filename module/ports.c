// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only looks into the TCP bind hash and the UDP hash: whether any
 * socket of a namespace holds a port, TIME_WAIT included.
 */
#include <linux/in.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/sock.h>
#include <net/udp.h>

#include "compat.h"
#include "ports.h"
#include "table.h"

/* PORTRES_TCP or PORTRES_UDP for the sockets portres serves, else -1. */
int portres_sk_proto(const struct sock *sk)
{
	if (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)
		return -1;
	if (sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP)
		return PORTRES_TCP;
	if (sk->sk_type == SOCK_DGRAM && sk->sk_protocol == IPPROTO_UDP)
		return PORTRES_UDP;
	return -1;
}

/* A bind bucket exists while any socket, or TIME_WAIT entry, owns it. */
static bool portres_tcp_port_bound(struct net *net, u16 port)
{
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	struct inet_bind_hashbucket *head;
	struct inet_bind_bucket *tb;
	bool bound = false;

	head = &hinfo->bhash[inet_bhashfn(net, port, hinfo->bhash_size)];
	spin_lock_bh(&head->lock);
	inet_bind_bucket_for_each(tb, &head->chain) {
		if (net_eq(ib_net(tb), net) && tb->port == port) {
			bound = true;
			break;
		}
	}
	spin_unlock_bh(&head->lock);
	return bound;
}

static bool portres_udp_port_bound(struct net *net, u16 port)
{
	struct udp_table *table = portres_udp_table(net);
	struct udp_hslot *hslot = udp_hashslot(table, net, port);
	bool bound = false;
	struct sock *sk;

	spin_lock_bh(&hslot->lock);
	sk_for_each(sk, &hslot->head) {
		if (net_eq(sock_net(sk), net) &&
		    udp_sk(sk)->udp_port_hash == port) {
			bound = true;
			break;
		}
	}
	spin_unlock_bh(&hslot->lock);
	return bound;
}

bool portres_port_bound(struct net *net, int proto, u16 port)
{
	if (proto == PORTRES_TCP)
		return portres_tcp_port_bound(net, port);
	return portres_udp_port_bound(net, port);
}

void portres_local_range(struct net *net, u16 *lo, u16 *hi)
{
	int low, high;

	inet_get_local_port_range(net, &low, &high);
	*lo = low;
	*hi = high;
}

unsigned long *portres_sysctl_bits(struct net *net)
{
	return net->ipv4.sysctl_local_reserved_ports;
}

/* Ports of @r's block that some socket of the namespace has bound now. */
unsigned int portres_ports_in_use(struct net *net,
				  const struct portres_resv *r)
{
	unsigned int n = 0;
	u32 p;

	for (p = r->first; p <= r->last; p++)
		n += portres_port_bound(net, r->proto, p);
	return n;
}
