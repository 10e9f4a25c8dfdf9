/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the io_uring selftests (async_*): rings, one-CQE reaping with
 * a timeout, "no further CQE" checks and the reservation listing.
 * Header-only; xctl_open() comes from persist_util.c, linked in.
 */
#ifndef ASYNC_UTIL_H
#define ASYNC_UTIL_H

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <liburing.h>
#include <portres/portres.h>
#include <portres/async.h>

#include "persist_util.h"

#define PENDING_MS	300	/* "still pending" = no CQE for this long */
#define CQE_MS		5000	/* a CQE that must come */

static inline void xring(struct io_uring *r, unsigned int entries)
{
	int ret = io_uring_queue_init(entries, r, 0);

	if (ret)
		die("io_uring_queue_init(%u): %s", entries, strerror(-ret));
}

static inline void xsubmit(struct io_uring *r, int want)
{
	int ret = io_uring_submit(r);

	if (ret != want)
		die("io_uring_submit: %d, want %d", ret, want);
}

/* One CQE within ms: 0 and *ud, *res; or -ETIME. */
static inline int reap(struct io_uring *r, int ms, __u64 *ud, int *res)
{
	struct __kernel_timespec ts = {
		.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000LL,
	};
	struct io_uring_cqe *cqe;
	int ret;

	do {
		ret = io_uring_wait_cqe_timeout(r, &cqe, &ts);
	} while (ret == -EINTR);
	if (ret)
		return ret;
	*ud = cqe->user_data;
	*res = cqe->res;
	io_uring_cqe_seen(r, cqe);
	return 0;
}

/* The next CQE must be ud's: returns its res (dies otherwise). */
static inline int xreap_ud(struct io_uring *r, __u64 want)
{
	__u64 ud;
	int res, ret = reap(r, CQE_MS, &ud, &res);

	if (ret)
		die("no CQE for user_data %llu: %s", (unsigned long long)want,
		    strerror(-ret));
	if (ud != want)
		die("CQE for user_data %llu (res %d), want %llu",
		    (unsigned long long)ud, res, (unsigned long long)want);
	return res;
}

/* No CQE for ms: 0, else -1 with a diagnostic. */
static inline int no_cqe(struct io_uring *r, int ms)
{
	__u64 ud = 0;
	int res = 0, ret = reap(r, ms, &ud, &res);

	if (ret == -ETIME)
		return 0;
	if (ret) {
		diag("io_uring_wait_cqe_timeout: %s", strerror(-ret));
		return -1;
	}
	diag("unexpected CQE: user_data %llu res %d (%s)",
	     (unsigned long long)ud, res, errname(-res));
	return -1;
}

/* In a harness test: no CQE for ms (no_cqe() says what came instead). */
#define ASSERT_NO_CQE(r, ms)	ASSERT_EQ(0, no_cqe(r, ms))

/* Submit one command and return its CQE's res. */
static inline int run1(struct io_uring *r, int ctl, __u32 op, int sock,
		       void *arg, unsigned int flags)
{
	static __u64 next_ud = 1000000;
	__u64 ud = next_ud++;
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);

	if (!sqe)
		die("SQ full");
	portres_sqe_prep(sqe, ctl, op, sock, arg, flags, ud);
	xsubmit(r, 1);
	return xreap_ud(r, ud);
}

static inline void inst_set(struct inet_port_reservation_instance *i,
			    uint16_t start, uint16_t n)
{
	memset(i, 0, sizeof(*i));
	i->reservation.start_port = htons(start);
	i->reservation.number_of_ports = n;
}

/* Entries of the listing: of pid (pid >= 0) or containing port (port > 0). */
static inline int count_entries(int proto, int pid, int port)
{
	struct portres_entry *l;
	size_t n, i;
	int c = 0, ret = portres_list(&l, &n);

	if (ret)
		die("portres_list: %s", strerror(-ret));
	for (i = 0; i < n; i++) {
		if (proto && l[i].protocol != proto)
			continue;
		if (pid >= 0 && l[i].pid != pid)
			continue;
		if (port > 0 && (port < l[i].first || port > l[i].last))
			continue;
		c++;
	}
	portres_list_free(l);
	return c;
}

static inline void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

#endif /* ASYNC_UTIL_H */
