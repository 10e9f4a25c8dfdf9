/* SPDX-License-Identifier: GPL-2.0 */
/* Where bind(), autobind and connect() meet the reservations. */
#ifndef _PORTRES_BIND_H
#define _PORTRES_BIND_H

struct inet_timewait_death_row;
struct sock;

/* A protocol's get_port: inet_csk_get_port or udp_lib_get_port. */
typedef int (*portres_get_port_fn)(struct sock *sk, unsigned short snum,
				   unsigned int hash2_nulladdr);
typedef int (*portres_hash_connect_fn)(struct inet_timewait_death_row *dr,
				       struct sock *sk);

int portres_tcp_get_port(struct sock *sk, unsigned short snum,
			 unsigned int unused);
int portres_get_port(struct sock *sk, unsigned short snum,
		     unsigned int hash2_nulladdr, portres_get_port_fn get_port);
int portres_hash_connect(struct inet_timewait_death_row *dr, struct sock *sk,
			 portres_hash_connect_fn hash_connect);

#endif /* _PORTRES_BIND_H */
