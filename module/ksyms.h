/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel functions portres calls that not every kernel exports: called
 * through pointers filled at load time, from the export where there is one
 * and by name where it is gone.
 */
#ifndef _PORTRES_KSYMS_H
#define _PORTRES_KSYMS_H

struct inet_timewait_death_row;
struct sock;

struct portres_ksyms {
	int (*udp_lib_get_port)(struct sock *sk, unsigned short snum,
				unsigned int hash2_nulladdr);
	int (*inet_hash_connect)(struct inet_timewait_death_row *death_row,
				 struct sock *sk);
	void (*inet_put_port)(struct sock *sk);
};

/* Written once by portres_ksyms_resolve(), before any hook is live. */
extern struct portres_ksyms portres_ksyms;

int portres_ksyms_resolve(void);

#endif /* _PORTRES_KSYMS_H */
