// SPDX-License-Identifier: GPL-2.0
/*
 * Overlapped operations through io_uring (IORING_OP_URING_CMD on
 * /dev/portres, libportres' portres/async.h): a thousand commands in flight
 * over 250 sockets, every completion matched to its user data exactly
 * once; errors arriving as CQE results; the output structure written by
 * the time the CQE arrives; the library's -EBUSY on a full SQ.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "portres_test.h"
#include "async_util.h"

#define NSOCK		250
#define PER_SOCK	4
#define NOPS		(NSOCK * PER_SOCK)	/* 1000 */
#define BULK_BASE	15000
#define SENTINEL	0x5a5a5a5a5a5a5a5aULL

#define UD(round, idx)	(((__u64)(round) << 32) | (idx))

struct bulk {
	int socks[NSOCK], assoc[NSOCK];
	struct inet_port_reservation_instance inst[NOPS];
	struct inet_port_reservation_token tok[NOPS];
	unsigned char seen[NOPS];
	int res[NOPS];
};

PORTRES_FIXTURE(async_ops, PORTRES_NETNS);

static int sock_proto(int i)
{
	return i % 2 ? IPPROTO_TCP : IPPROTO_UDP;
}

/* Reap NOPS CQEs of round; each index exactly once. */
static void reap_round(struct __test_metadata *_metadata, struct io_uring *r,
		       struct bulk *b, unsigned int round)
{
	int i, res, ret;
	__u64 ud;

	memset(b->seen, 0, sizeof(b->seen));
	for (i = 0; i < NOPS; i++) {
		ret = reap(r, CQE_MS, &ud, &res);
		ASSERT_OK(ret) TH_LOG("round %u: %d CQEs of %d", round, i, NOPS);
		ASSERT_TRUE(ud >> 32 == round && (ud & 0xffffffff) < NOPS)
			TH_LOG("round %u: stray user_data %#llx", round,
			       (unsigned long long)ud);
		ASSERT_FALSE(b->seen[ud & 0xffffffff])
			TH_LOG("round %u: user_data %#llx twice", round,
			       (unsigned long long)ud);
		b->seen[ud & 0xffffffff] = 1;
		b->res[ud & 0xffffffff] = res;
	}
	ASSERT_NO_CQE(r, 100);
}

TEST_F(async_ops, thousand_in_flight)
{
	struct bulk *b = calloc(1, sizeof(*b));
	int ctl = xctl_open(), i, k, lo, hi, ret;
	struct io_uring r;

	ASSERT_NE(NULL, b) TH_LOG("calloc");
	xring(&r, 1024);
	get_port_range(&lo, &hi);
	for (i = 0; i < NSOCK; i++) {
		int fam = i % 4 < 2 ? AF_INET : AF_INET6;

		b->socks[i] = xsock(fam, sock_proto(i));
		b->assoc[i] = xsock(fam, sock_proto(i));
	}

	/* Round 1: 1000 acquires, 2 specific and 2 wildcard per socket. */
	for (i = 0; i < NSOCK; i++) {
		for (k = 0; k < PER_SOCK; k++) {
			int idx = i * PER_SOCK + k;

			if (k < 2)
				inst_set(&b->inst[idx], BULK_BASE + 2 * i + k, 1);
			else
				inst_set(&b->inst[idx], 0, 2);
			b->inst[idx].token.token = SENTINEL;
			ASSERT_OK(portres_prep_acquire(&r, ctl, b->socks[i],
						       &b->inst[idx], 0,
						       UD(1, idx)));
		}
	}
	xsubmit(&r, NOPS);
	reap_round(_metadata, &r, b, 1);
	for (i = 0; i < NOPS; i++) {
		struct inet_port_reservation_instance *in = &b->inst[i];
		int start = ntohs(in->reservation.start_port);

		ASSERT_OK(b->res[i]) TH_LOG("op %d", i);
		ASSERT_TRUE(in->token.token && in->token.token != SENTINEL)
			TH_LOG("op %d: token %#llx", i,
			       (unsigned long long)in->token.token);
		if (i % PER_SOCK < 2) {
			ASSERT_TRUE(start == BULK_BASE + 2 * (i / PER_SOCK) +
					     i % PER_SOCK &&
				    in->reservation.number_of_ports == 1)
				TH_LOG("op %d: granted %d+%u", i, start,
				       in->reservation.number_of_ports);
		} else {
			ASSERT_TRUE(start >= lo && start + 1 <= hi &&
				    in->reservation.number_of_ports == 2)
				TH_LOG("op %d: wildcard granted %d+%u", i,
				       start, in->reservation.number_of_ports);
		}
		for (k = 0; k < i; k++) {
			ASSERT_NE(b->inst[k].token.token, in->token.token)
				TH_LOG("ops %d and %d: same token", k, i);
		}
		b->tok[i] = in->token;
	}
	ASSERT_EQ(NOPS, count_entries(0, getpid(), 0))
		TH_LOG("reservations listed");

	/* Round 2, interleaved: associate with the first, release the rest. */
	for (i = 0; i < NSOCK; i++) {
		for (k = 0; k < PER_SOCK; k++) {
			int idx = i * PER_SOCK + k;

			if (k == 0)
				ret = portres_prep_associate(&r, ctl, b->assoc[i],
							     &b->tok[idx], 0,
							     UD(2, idx));
			else
				ret = portres_prep_release(&r, ctl, b->socks[i],
							   &b->tok[idx], 0,
							   UD(2, idx));
			ASSERT_OK(ret) TH_LOG("op %d", idx);
		}
	}
	xsubmit(&r, NOPS);
	reap_round(_metadata, &r, b, 2);
	for (i = 0; i < NOPS; i++) {
		ASSERT_OK(b->res[i]) TH_LOG("round 2 op %d", i);
	}
	ASSERT_EQ(NSOCK, count_entries(0, getpid(), 0))
		TH_LOG("reservations listed");
	for (i = 0; i < NSOCK; i++) {
		ASSERT_OK(bind_port(b->assoc[i], 0));
		ASSERT_EQ(BULK_BASE + 2 * i, local_port(b->assoc[i]))
			TH_LOG("associated socket %d", i);
	}

	/* Round 3: release the first blocks; the rest again -> ENOENT. */
	for (i = 0; i < NOPS; i++)
		ASSERT_OK(portres_prep_release(&r, ctl, b->socks[i / PER_SOCK],
					       &b->tok[i], 0, UD(3, i)));
	xsubmit(&r, NOPS);
	reap_round(_metadata, &r, b, 3);
	for (i = 0; i < NOPS; i++) {
		ASSERT_ERRNO(b->res[i], i % PER_SOCK ? -ENOENT : 0)
			TH_LOG("round 3 op %d", i);
	}
	ASSERT_EQ(0, count_entries(0, getpid(), 0)) TH_LOG("reservations left");

	io_uring_queue_exit(&r);
	for (i = 0; i < NSOCK; i++) {
		close(b->socks[i]);
		close(b->assoc[i]);
	}
	close(ctl);
	free(b);
}

/* Errors of the command itself: bad op, flags, socket. */
TEST_F(async_ops, command_errors)
{
	struct inet_port_reservation_instance inst[8];
	struct inet_port_reservation_token tok = { 12345 };
	int ctl = xctl_open(), udp = xsock(AF_INET, IPPROTO_UDP);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int unx = socket(AF_UNIX, SOCK_STREAM, 0);
	int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	int closed = 999;	/* not open: EBADF */
	struct {
		__u32 op;
		int fd;
		void *arg;
		unsigned int flags;
		int want;
	} c[] = {
		{ PORTRES_IOC_CREATE_PERSISTENT, udp, &inst[0], 0, -ENOTTY },
		{ 0, udp, &inst[1], 0, -ENOTTY },
		{ SIO_ACQUIRE_PORT_RESERVATION, udp, &inst[2], 2, -EINVAL },
		{ SIO_ASSOCIATE_PORT_RESERVATION, udp, &tok, PORTRES_F_WAIT, -EINVAL },
		{ SIO_RELEASE_PORT_RESERVATION, udp, &tok, PORTRES_F_WAIT, -EINVAL },
		{ SIO_ACQUIRE_PORT_RESERVATION, devnull, &inst[3], 0, -ENOTSOCK },
		{ SIO_RELEASE_PORT_RESERVATION, devnull, &tok, 0, -ENOTSOCK },
		{ SIO_ACQUIRE_PORT_RESERVATION, closed, &inst[4], 0, -EBADF },
		{ SIO_ACQUIRE_PORT_RESERVATION, closed, &inst[5], PORTRES_F_WAIT, -EBADF },
		{ SIO_ACQUIRE_PORT_RESERVATION, unx, &inst[6], 0, -EOPNOTSUPP },
		{ SIO_ACQUIRE_PORT_RESERVATION, raw, &inst[7], 0, -EOPNOTSUPP },
		{ SIO_ASSOCIATE_PORT_RESERVATION, raw, &tok, 0, -EOPNOTSUPP },
	};
	int seen[ARRAY_SIZE(c)] = { 0 };
	struct io_uring r;
	size_t i;

	ASSERT_TRUE(devnull >= 0 && unx >= 0 && raw >= 0)
		TH_LOG("set-up sockets");
	ASSERT_TRUE(fcntl(closed, F_GETFD) < 0 && errno == EBADF)
		TH_LOG("fd %d open", closed);
	xring(&r, 32);
	for (i = 0; i < 8; i++)
		inst_set(&inst[i], 14000 + i, 1);
	for (i = 0; i < ARRAY_SIZE(c); i++)
		portres_sqe_prep(io_uring_get_sqe(&r), ctl, c[i].op, c[i].fd,
				 c[i].arg, c[i].flags, 100 + i);
	xsubmit(&r, ARRAY_SIZE(c));
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		__u64 ud;
		int res;

		ASSERT_OK(reap(&r, CQE_MS, &ud, &res));
		ASSERT_TRUE(ud >= 100 && ud < 100 + ARRAY_SIZE(c) &&
			    !seen[ud - 100])
			TH_LOG("user_data %llu", (unsigned long long)ud);
		seen[ud - 100] = 1;
		ASSERT_ERRNO(res, c[ud - 100].want)
			TH_LOG("case %llu (op %#x fd %d flags %u)",
			       (unsigned long long)ud - 100, c[ud - 100].op,
			       c[ud - 100].fd, c[ud - 100].flags);
	}
	ASSERT_NO_CQE(&r, 100);
	ASSERT_EQ(0, count_entries(0, getpid(), 0))
		TH_LOG("a reservation was made");
	io_uring_queue_exit(&r);
	close(udp);
	close(unx);
	close(raw);
	close(devnull);
	close(ctl);
}

static int child_associate(void *arg)
{
	struct inet_port_reservation_token tok = { *(uint64_t *)arg };
	int ctl = xctl_open(), s = xsock(AF_INET, IPPROTO_UDP);
	struct io_uring r;

	xring(&r, 4);
	return run1(&r, ctl, SIO_ASSOCIATE_PORT_RESERVATION, s, &tok, 0);
}

static int holder_sock = -1;

static int child_release(void *arg)
{
	struct inet_port_reservation_token tok = { *(uint64_t *)arg };
	int ctl = xctl_open();
	struct io_uring r;

	xring(&r, 4);
	/* The acquiring socket, inherited: still not this process's. */
	return run1(&r, ctl, SIO_RELEASE_PORT_RESERVATION, holder_sock, &tok, 0);
}

/* Errors of the operation, as the ioctl gives them, in the CQE. */
TEST_F(async_ops, operation_errors)
{
	struct inet_port_reservation_instance inst;
	struct inet_port_reservation_token tok, bogus = { 0x1234567887654321ULL };
	int ctl = xctl_open(), h = xsock(AF_INET, IPPROTO_UDP);
	int s = xsock(AF_INET6, IPPROTO_UDP), b = xsock(AF_INET, IPPROTO_UDP);
	int t = xsock(AF_INET, IPPROTO_TCP);
	void *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct io_uring r;
	uint64_t token;

	ASSERT_NE(MAP_FAILED, ro) TH_LOG("mmap: %s", strerror(errno));
	xring(&r, 8);
	token = xacquire(h, 14010, 4, NULL);
	tok.token = token;
	holder_sock = h;

	/* Held by a reservation, or containing a bound port. */
	inst_set(&inst, 14012, 4);
	ASSERT_ERRNO(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0),
		     -EADDRINUSE);
	ASSERT_OK(bind_port(b, 14020));
	inst_set(&inst, 14019, 2);
	ASSERT_ERRNO(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0),
		     -EADDRINUSE);
	/* The other protocol's table is another table. */
	inst_set(&inst, 14019, 2);
	ASSERT_OK(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, t, &inst, 0));
	ASSERT_OK(release(t, inst.token.token));

	/* Unknown tokens. */
	ASSERT_ERRNO(run1(&r, ctl, SIO_ASSOCIATE_PORT_RESERVATION, s, &bogus, 0),
		     -ENOENT);
	ASSERT_ERRNO(run1(&r, ctl, SIO_RELEASE_PORT_RESERVATION, h, &bogus, 0),
		     -ENOENT);
	/* A UDP token on a TCP socket: another table. */
	ASSERT_ERRNO(run1(&r, ctl, SIO_ASSOCIATE_PORT_RESERVATION, t, &tok, 0),
		     -ENOENT);

	/* Invalid requests. */
	inst_set(&inst, 14030, 0);
	ASSERT_ERRNO(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0),
		     -EINVAL);
	inst_set(&inst, 14030, 1);
	inst.pad = 1;
	ASSERT_ERRNO(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0),
		     -EINVAL);
	inst_set(&inst, 65535, 2);
	ASSERT_ERRNO(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0),
		     -EINVAL);
	/* Associate on a bound socket. */
	ASSERT_ERRNO(run1(&r, ctl, SIO_ASSOCIATE_PORT_RESERVATION, b, &tok, 0),
		     -EINVAL);

	/* Bad pointers. */
	ASSERT_ERRNO(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, (void *)16, 0),
		     -EFAULT);
	ASSERT_ERRNO(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, (void *)16,
			  PORTRES_F_WAIT), -EFAULT);
	ASSERT_ERRNO(run1(&r, ctl, SIO_ASSOCIATE_PORT_RESERVATION, s, (void *)16, 0),
		     -EFAULT);
	ASSERT_ERRNO(run1(&r, ctl, SIO_RELEASE_PORT_RESERVATION, h, (void *)16, 0),
		     -EFAULT);
	/*
	 * Readable but not writable: the acquire cannot report its token,
	 * so it fails and keeps nothing.
	 */
	inst_set(ro, 0, 1);
	ASSERT_OK(mprotect(ro, 4096, PROT_READ) ? -errno : 0);
	ASSERT_ERRNO(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, ro, 0),
		     -EFAULT);
	ASSERT_EQ(1, count_entries(IPPROTO_UDP, getpid(), 0))
		TH_LOG("a reservation of the failed acquire is left");

	/* Another process may neither consume nor release the token. */
	ASSERT_ERRNO(child_run(child_associate, &token), -EPERM);
	ASSERT_ERRNO(child_run(child_release, &token), -EPERM);
	ASSERT_OK(associate(s, token));

	ASSERT_NO_CQE(&r, 100);
	ASSERT_EQ(1, count_entries(IPPROTO_UDP, getpid(), 0))
		TH_LOG("reservations");
	ASSERT_OK(release(h, token));
	io_uring_queue_exit(&r);
	munmap(ro, 4096);
	close(h);
	close(s);
	close(b);
	close(t);
	close(ctl);
}

/* The output is in place when the CQE arrives, input untouched on error. */
TEST_F(async_ops, output_written)
{
	struct inet_port_reservation_instance inst, busy;
	int ctl = xctl_open(), s = xsock(AF_INET, IPPROTO_TCP);
	struct io_uring r;

	xring(&r, 4);
	inst_set(&inst, 14040, 3);
	inst.token.token = SENTINEL;
	ASSERT_OK(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0));
	ASSERT_TRUE(inst.token.token && inst.token.token != SENTINEL)
		TH_LOG("token %#llx", (unsigned long long)inst.token.token);
	ASSERT_TRUE(ntohs(inst.reservation.start_port) == 14040 &&
		    inst.reservation.number_of_ports == 3 && !inst.pad)
		TH_LOG("block %u+%u", ntohs(inst.reservation.start_port),
		       inst.reservation.number_of_ports);
	/* The token works: the synchronous ioctls accept it. */
	ASSERT_ERRNO(release(s, inst.token.token), 0);

	/* Wildcard: the granted block comes back. */
	inst_set(&inst, 0, 5);
	ASSERT_OK(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0));
	ASSERT_TRUE(inst.reservation.start_port &&
		    inst.reservation.number_of_ports == 5)
		TH_LOG("wildcard %u+%u", ntohs(inst.reservation.start_port),
		       inst.reservation.number_of_ports);
	ASSERT_EQ(1, count_entries(IPPROTO_TCP, getpid(),
				   ntohs(inst.reservation.start_port)))
		TH_LOG("not listed");
	ASSERT_OK(release(s, inst.token.token));

	/* A failed acquire leaves the structure as it was. */
	ASSERT_OK(acquire(s, 14045, 1, &busy));
	inst_set(&inst, 14045, 1);
	inst.token.token = SENTINEL;
	ASSERT_ERRNO(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0),
		     -EADDRINUSE);
	ASSERT_TRUE(inst.token.token == SENTINEL)
		TH_LOG("token written on failure");
	ASSERT_OK(release(s, busy.token.token));
	ASSERT_NO_CQE(&r, 100);
	io_uring_queue_exit(&r);
	close(s);
	close(ctl);
}

/* portres_prep_*: -EBUSY when the SQ is full, fine after a submit. */
TEST_F(async_ops, prep_full_sq)
{
	struct inet_port_reservation_instance inst[5];
	int ctl = xctl_open(), s = xsock(AF_INET, IPPROTO_UDP), i;
	struct inet_port_reservation_token tok = { 1 };
	struct io_uring r;

	xring(&r, 4);
	for (i = 0; i < 5; i++)
		inst_set(&inst[i], 14050 + i, 1);
	for (i = 0; i < 4; i++) {
		ASSERT_OK(portres_prep_acquire(&r, ctl, s, &inst[i], 0, i + 1));
	}
	ASSERT_ERRNO(portres_prep_acquire(&r, ctl, s, &inst[4], 0, 5), -EBUSY);
	ASSERT_ERRNO(portres_prep_release(&r, ctl, s, &tok, 0, 6), -EBUSY);
	ASSERT_ERRNO(portres_prep_cancel(&r, 1, 7), -EBUSY);
	xsubmit(&r, 4);
	for (i = 0; i < 4; i++) {
		__u64 ud;
		int res;

		ASSERT_OK(reap(&r, CQE_MS, &ud, &res));
		ASSERT_TRUE(ud == (__u64)i + 1 && res == 0)
			TH_LOG("ud %llu res %d", (unsigned long long)ud, res);
	}
	ASSERT_OK(portres_prep_acquire(&r, ctl, s, &inst[4], 0, 5));
	xsubmit(&r, 1);
	ASSERT_ERRNO(xreap_ud(&r, 5), 0);
	ASSERT_NO_CQE(&r, 100);
	for (i = 0; i < 5; i++) {
		ASSERT_OK(release(s, inst[i].token.token));
	}
	io_uring_queue_exit(&r);
	close(s);
	close(ctl);
}

TEST_HARNESS_MAIN
