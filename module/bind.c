// SPDX-License-Identifier: GPL-2.0
/*
 * bind() and autobind: outsiders get EACCES on reserved ports, associated
 * sockets get their port from their block, and no ephemeral port lands in
 * a block. TCP connect() of an associated socket binds from the block
 * first, as bind(0) would.
 */
#include <linux/bitops.h>
#include <linux/random.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/sock.h>

#include "bind.h"
#include "events.h"
#include "ksyms.h"
#include "netns.h"
#include "ports.h"

struct portres_bind {
	struct sock *sk;
	struct portres_table *t;
	int proto;
	unsigned int hash2_nulladdr;
	portres_get_port_fn get_port;
};

/* Gives back a port get_port() has just taken. */
static void portres_unbind(struct portres_bind *b)
{
	if (b->proto == PORTRES_TCP)
		portres_ksyms.inet_put_port(b->sk);
	else
		b->sk->sk_prot->unhash(b->sk);
}

/*
 * After get_port() took a port: is it still one this socket may hold?
 * A refusal with EACCES (an outsider's explicit bind) is counted.
 */
static bool portres_port_allowed(struct portres_bind *b,
				 struct portres_resv *mine, int refused)
{
	struct portres_resv *r;
	bool ok;

	/*
	 * Pairs with the barrier in portres_resv_create(): an acquire that
	 * raced with this bind either saw the socket or is seen here.
	 */
	smp_mb();
	/* No reservation without its bit: most binds stop here. */
	if (!portres_reserved_bit(sock_net(b->sk), inet_sk(b->sk)->inet_num))
		return true;
	rcu_read_lock();
	r = portres_table_find_port(b->t, b->proto, inet_sk(b->sk)->inet_num);
	ok = !r || r == mine;
	if (!ok && refused == -EACCES)
		portres_event_refused(sock_net(b->sk), r,
				      inet_sk(b->sk)->inet_num, EACCES);
	rcu_read_unlock();
	return ok;
}

/* The original get_port(): TCP's called directly, no retpoline. */
static int portres_get_port_orig(struct portres_bind *b, unsigned short snum)
{
	if (b->proto == PORTRES_TCP)
		return inet_csk_get_port(b->sk, snum);
	return b->get_port(b->sk, snum, b->hash2_nulladdr);
}

static int portres_take(struct portres_bind *b, unsigned short snum,
			struct portres_resv *mine, int refused)
{
	int err = portres_get_port_orig(b, snum);
	unsigned long *map;

	if (err)
		return err;
	if (!portres_port_allowed(b, mine, refused)) {
		portres_unbind(b);
		return refused;
	}
	/* Pairs with smp_store_release() in portres_resv_track_inuse(). */
	map = mine ? smp_load_acquire(&mine->inuse) : NULL;
	if (map)
		set_bit(snum - mine->first, map);
	return 0;
}

/* Tries one free-looking port of the block: 0, 1 to go on, or an error. */
static int portres_try_port(struct portres_bind *b, struct portres_resv *r,
			    unsigned long *map, u32 bit)
{
	u16 port = r->first + bit;

	if (portres_port_bound(sock_net(b->sk), b->proto, port)) {
		if (map)
			set_bit(bit, map);
		return 1;
	}
	if (map)
		clear_bit(bit, map);
	if (!portres_take(b, port, r, -EADDRNOTAVAIL))
		return 0;
	return READ_ONCE(r->dead) ? -EADDRNOTAVAIL : 1;
}

/* Ports [from, to) of the block that the hint says are free. */
static int portres_scan_hint(struct portres_bind *b, struct portres_resv *r,
			     unsigned long *map, u32 from, u32 to)
{
	u32 bit;
	int ret;

	for (bit = find_next_zero_bit(map, to, from); bit < to;
	     bit = find_next_zero_bit(map, to, bit + 1)) {
		ret = portres_try_port(b, r, map, bit);
		if (ret <= 0)
			return ret;
	}
	return 1;
}

/* Ports [from, to) of the block, every one. */
static int portres_scan_all(struct portres_bind *b, struct portres_resv *r,
			    unsigned long *map, u32 from, u32 to)
{
	u32 bit;
	int ret;

	for (bit = from; bit < to; bit++) {
		ret = portres_try_port(b, r, map, bit);
		if (ret <= 0)
			return ret;
	}
	return 1;
}

/*
 * bind(0) and autobind of an associated socket: a free port of its block,
 * from a random place on. The in-use hint skips taken ports in a nearly
 * full block; if it finds nothing it may be stale (ports freed behind its
 * back, TIME_WAIT gone), so every port is looked at once more.
 */
static int portres_bind_from_block(struct portres_bind *b,
				   struct portres_resv *r)
{
	/* Pairs with smp_store_release() in portres_resv_track_inuse(). */
	unsigned long *map = smp_load_acquire(&r->inuse);
	u32 n = r->last - r->first + 1;
	u32 off = get_random_u32() % n;
	int ret;

	if (map) {
		ret = portres_scan_hint(b, r, map, off, n);
		if (ret > 0)
			ret = portres_scan_hint(b, r, map, 0, off);
		if (ret <= 0)
			return ret;
	}
	ret = portres_scan_all(b, r, map, off, n);
	if (ret > 0)
		ret = portres_scan_all(b, r, map, 0, off);
	return ret > 0 ? -EADDRINUSE : ret;
}

static int portres_bind_associated(struct portres_bind *b,
				   unsigned short snum, struct portres_resv *r)
{
	if (READ_ONCE(r->dead))
		return -EADDRNOTAVAIL;
	if (!snum)
		return portres_bind_from_block(b, r);
	if (snum < r->first || snum > r->last)
		return -EINVAL;
	return portres_take(b, snum, r, -EADDRNOTAVAIL);
}

static int portres_bind_outsider(struct portres_bind *b, unsigned short snum)
{
	struct portres_resv *r;
	int tries;

	/* A bit set meanwhile is seen after get_port(), in port_allowed(). */
	if (snum && portres_reserved_bit(sock_net(b->sk), snum)) {
		rcu_read_lock();
		r = portres_table_find_port(b->t, b->proto, snum);
		if (r)
			portres_event_refused(sock_net(b->sk), r, snum, EACCES);
		rcu_read_unlock();
		if (r)
			return -EACCES;
	}
	if (snum)
		return portres_take(b, snum, NULL, -EACCES);
	/* The kernel skips reserved bits; retry only if a block raced in. */
	for (tries = 0; tries < 3; tries++) {
		int err = portres_take(b, 0, NULL, -EAGAIN);

		if (err != -EAGAIN)
			return err;
	}
	return -EADDRINUSE;
}

/*
 * The socket's association. Used past the RCU section: once set, it and
 * its reference last until the socket closes, and the caller holds the
 * socket lock, which associate takes too.
 */
static struct portres_resv *portres_assoc(struct portres_table *t,
					  struct sock *sk)
{
	struct portres_sock *ps;
	struct portres_resv *r;

	if (!portres_table_sock_maybe(t, sk))
		return NULL;
	rcu_read_lock();
	ps = portres_table_sock(t, sk);
	r = ps ? rcu_dereference(ps->assoc) : NULL;
	rcu_read_unlock();
	return r;
}

int portres_get_port(struct sock *sk, unsigned short snum,
		     unsigned int hash2_nulladdr, portres_get_port_fn get_port)
{
	struct portres_bind b = {
		.sk = sk,
		.hash2_nulladdr = hash2_nulladdr,
		.get_port = get_port,
	};
	struct portres_resv *r;

	b.proto = portres_sk_proto(sk);
	if (b.proto < 0)
		return get_port(sk, snum, hash2_nulladdr);
	b.t = &portres_net_fast(sock_net(sk))->table;
	/* Namespaces without reservations, and listen() of a bound socket. */
	if (!portres_table_active(b.t) || inet_sk(sk)->inet_num)
		return get_port(sk, snum, hash2_nulladdr);
	r = portres_assoc(b.t, sk);
	if (r)
		return portres_bind_associated(&b, snum, r);
	return portres_bind_outsider(&b, snum);
}

/*
 * inet_csk_get_port() as a portres_get_port_fn, for the hook and for
 * connect(). Called from this module, so the hook lets it through.
 */
int portres_tcp_get_port(struct sock *sk, unsigned short snum,
			 unsigned int unused)
{
	return inet_csk_get_port(sk, snum);
}

int portres_hash_connect(struct inet_timewait_death_row *dr, struct sock *sk,
			 portres_hash_connect_fn hash_connect)
{
	struct portres_bind b = {
		.sk = sk,
		.proto = PORTRES_TCP,
		.get_port = portres_tcp_get_port,
	};
	struct portres_resv *r;
	int err;

	if (portres_sk_proto(sk) != PORTRES_TCP)
		return hash_connect(dr, sk);
	b.t = &portres_net_fast(sock_net(sk))->table;
	if (!portres_table_active(b.t) || inet_sk(sk)->inet_num)
		return hash_connect(dr, sk);
	r = portres_assoc(b.t, sk);
	if (r) {
		/* Bind from the block as bind(0) would, then connect. */
		err = portres_bind_associated(&b, 0, r);
		if (err)
			return err;
		inet_sk(sk)->inet_sport = htons(inet_sk(sk)->inet_num);
		return hash_connect(dr, sk);
	}
	err = hash_connect(dr, sk);
	/*
	 * A block acquired while the kernel picked this port: fail, and the
	 * caller's error path unhashes the socket and frees the port.
	 */
	if (!err && !portres_port_allowed(&b, NULL, -EADDRNOTAVAIL))
		return -EADDRNOTAVAIL;
	return err;
}
