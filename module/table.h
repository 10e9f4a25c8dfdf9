/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reservation table of one network namespace: port ranges per protocol,
 * tokens, per-socket state and quota. Plain data structures, no socket or
 * hook code, so that it can be tested alone.
 */
#ifndef _PORTRES_TABLE_H
#define _PORTRES_TABLE_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/hashtable.h>
#include <linux/in.h>
#include <linux/list.h>
#include <linux/maple_tree.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>
#include <linux/portres.h>

enum portres_proto {
	PORTRES_TCP,
	PORTRES_UDP,
	PORTRES_NPROTO,
};

enum portres_kind {
	PORTRES_RUNTIME,
	PORTRES_PERSISTENT,
};

struct portres_resv {
	u64 token;
	u16 first;			/* host order, inclusive */
	u16 last;
	u8 proto;			/* enum portres_proto */
	u8 kind;			/* enum portres_kind */
	bool dead;			/* out of the table; READ_ONCE */
	kuid_t uid;			/* acquirer (charged) or creator */
	kuid_t allowed_uid;		/* persistent: INVALID_UID = anyone */
	kgid_t allowed_gid;		/* persistent: INVALID_GID = anyone */
	/* Here, in a hole: the structure fits kmalloc-128. */
	refcount_t ref;			/* the table's, one per associated socket */
	struct pid *owner;		/* runtime: acquiring thread group */
	const void *owner_key;		/* runtime: acquiring socket */
	char comm[TASK_COMM_LEN];	/* runtime: acquiring command */
	/*
	 * Ports of the block that associated sockets took: a hint for the
	 * next bind(0), made on first association, changed with atomic
	 * bitops, checked against the socket tables before it is trusted.
	 */
	unsigned long *inuse;
	atomic64_t refused;		/* binds refused (EACCES) so far */
	struct hlist_node token_node;	/* table->tokens */
	struct list_head owner_node;	/* portres_sock->owned */
	struct rcu_head rcu;
};

/* The IPPROTO_* number and the uapi kind (PORTRES_KIND_*) of @r. */
static inline u8 portres_ipproto(int proto)
{
	return proto == PORTRES_TCP ? IPPROTO_TCP : IPPROTO_UDP;
}

static inline u8 portres_nl_kind(const struct portres_resv *r)
{
	return r->kind == PORTRES_RUNTIME ? PORTRES_KIND_RUNTIME :
	       PORTRES_KIND_PERSISTENT;
}

/* What portres knows about one socket: keyed by the socket's address. */
struct portres_sock {
	const void *key;
	/* Set once, under the table lock; holds a reference. */
	struct portres_resv __rcu *assoc;
	struct list_head owned;		/* runtime reservations acquired on it */
	struct hlist_node node;		/* table->socks */
	struct rcu_head rcu;
};

#define PORTRES_HASH_BITS 8

/*
 * @lock is the one lock of a namespace's reservations: it serializes every
 * change to this table, to portres_sock->assoc, and to portres_net's bits
 * and waiters. Lock order:
 *
 *   sk_lock (associate; the kernel holds it around bind and connect)
 *     table.lock
 *       TCP bhash bucket / UDP hslot spinlock (portres_port_bound())
 *
 * bind, autobind and connect, the hot path, take no table.lock, only the
 * bucket locks under sk_lock: they look ranges, sockets and associations
 * up under RCU alone. Ranges are a maple tree in RCU mode, the hashes are
 * RCU lists, assoc is __rcu, and entries are freed after a grace period.
 *
 * Read with no lock at all:
 * - portres_table_active(): @active, the hooks' fast path
 * - portres_table_sock_maybe(): a bucket of @socks, the bind wrapper's
 * - portres_sock_maybe_any(): portres_sock_slots, the close hook's
 * - portres_wait_any(): portres_net->nr_waiters
 * - portres_sock_closed(): its early miss on @nr_socks, then an RCU lookup
 */
struct portres_table {
	struct mutex lock;		/* the order above */
	struct maple_tree ranges[PORTRES_NPROTO];
	DECLARE_HASHTABLE(tokens, PORTRES_HASH_BITS);
	DECLARE_HASHTABLE(socks, PORTRES_HASH_BITS);
	struct xarray quota;		/* uid -> ports held (xa value) */
	unsigned int nr_resv;
	unsigned int nr_socks;
	/* nr_resv + nr_socks, read locklessly by the hooks' fast path */
	unsigned int active;
};

/* Tells whether a port may go into a new wildcard block. */
typedef bool (*portres_busy_fn)(void *ctx, u16 port);

void portres_table_init(struct portres_table *t);
void portres_table_destroy(struct portres_table *t);

static inline bool portres_table_active(const struct portres_table *t)
{
	return READ_ONCE(t->active) != 0;
}

/*
 * Whether the table may have an entry for @key: false when its hash bucket
 * is empty. Lockless, for the close hook's callback; the socket being
 * closed cannot be added meanwhile.
 */
static inline bool portres_table_sock_maybe(const struct portres_table *t,
					    const void *key)
{
	return !hlist_empty(&t->socks[hash_min((unsigned long)key,
					       HASH_BITS(t->socks))]);
}

/*
 * Every socket that has an entry in some namespace's table, or an acquire
 * waiting on it (wait.c), counted in the slot of its address: close asks
 * before it knows the namespace (hooks.c's stub reads the slots itself).
 * Module-wide for that reason, and atomic: each namespace counts under its
 * own lock.
 */
#define PORTRES_SOCK_SLOT_BITS	10
extern atomic_t portres_sock_slots[1 << PORTRES_SOCK_SLOT_BITS];

static inline atomic_t *portres_sock_slot(const void *sk)
{
	return &portres_sock_slots[((unsigned long)sk >> L1_CACHE_SHIFT) &
				   ((1 << PORTRES_SOCK_SLOT_BITS) - 1)];
}

/* Whether @sk may have an entry or a waiter; a socket being closed. */
static inline bool portres_sock_maybe_any(const void *sk)
{
	return atomic_read(portres_sock_slot(sk));
}

struct portres_resv *portres_resv_alloc(void);
void portres_resv_put(struct portres_resv *r);
void portres_resv_track_inuse(struct portres_resv *r);

int portres_table_insert(struct portres_table *t, struct portres_resv *r);
void portres_table_remove(struct portres_table *t, struct portres_resv *r);
bool portres_table_token_used(struct portres_table *t, u64 token);
struct portres_resv *portres_table_find_token(struct portres_table *t,
					      u64 token);
struct portres_resv *portres_table_find_port(struct portres_table *t,
					     int proto, u16 port);
bool portres_table_covers(struct portres_table *t, u16 port);
int portres_table_find_gap(struct portres_table *t, int proto, u16 n,
			   u16 lo, u16 hi, u32 offset,
			   portres_busy_fn busy, void *ctx, u16 *start);

struct portres_sock *portres_table_sock(struct portres_table *t,
					const void *key);
struct portres_sock *
portres_table_sock_find_or_add(struct portres_table *t, const void *key);
void portres_table_sock_drop(struct portres_table *t, struct portres_sock *ps);
void portres_table_sock_drop_if_idle(struct portres_table *t,
				     struct portres_sock *ps);

int portres_table_charge(struct portres_table *t, kuid_t uid,
			 unsigned int ports, unsigned int limit);
void portres_table_uncharge(struct portres_table *t, kuid_t uid,
			    unsigned int ports);
unsigned int portres_table_charged(struct portres_table *t, kuid_t uid);

#endif /* _PORTRES_TABLE_H */
