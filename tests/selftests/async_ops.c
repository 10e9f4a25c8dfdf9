// SPDX-License-Identifier: GPL-2.0
/*
 * Overlapped operations through io_uring (IORING_OP_URING_CMD on
 * /dev/portres, libportres' portres/async.h): a thousand commands in flight
 * over 250 sockets, every completion matched to its user data exactly
 * once; errors arriving as CQE results; the output structure written by
 * the time the CQE arrives; the library's -EBUSY on a full SQ.
 *
 * Ports used: 14000-14099, 15000-15499 (and wildcard blocks).
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

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

static int sock_proto(int i)
{
	return i % 2 ? IPPROTO_TCP : IPPROTO_UDP;
}

/* Reap NOPS CQEs of round; each index exactly once. */
static int reap_round(struct io_uring *r, struct bulk *b, unsigned int round)
{
	int i, res, ret;
	__u64 ud;

	memset(b->seen, 0, sizeof(b->seen));
	for (i = 0; i < NOPS; i++) {
		ret = reap(r, CQE_MS, &ud, &res);
		CHECK(ret == 0, "round %u: %d CQEs of %d, then %s", round, i,
		      NOPS, strerror(-ret));
		CHECK(ud >> 32 == round && (ud & 0xffffffff) < NOPS,
		      "round %u: stray user_data %#llx", round,
		      (unsigned long long)ud);
		CHECK(!b->seen[ud & 0xffffffff], "round %u: user_data %#llx twice",
		      round, (unsigned long long)ud);
		b->seen[ud & 0xffffffff] = 1;
		b->res[ud & 0xffffffff] = res;
	}
	CHECK_PASS(no_cqe(r, 100));
	return 0;
}

static int thousand_in_flight(void)
{
	struct bulk *b = calloc(1, sizeof(*b));
	int ctl = xctl_open(), i, k, lo, hi;
	struct io_uring r;

	CHECK(b, "calloc");
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
			CHECK_OK(portres_prep_acquire(&r, ctl, b->socks[i],
						      &b->inst[idx], 0,
						      UD(1, idx)));
		}
	}
	xsubmit(&r, NOPS);
	CHECK_PASS(reap_round(&r, b, 1));
	for (i = 0; i < NOPS; i++) {
		struct inet_port_reservation_instance *in = &b->inst[i];
		int start = ntohs(in->reservation.start_port);

		CHECK_ERR(b->res[i], 0);
		CHECK(in->token.token && in->token.token != SENTINEL,
		      "op %d: token %#llx", i, (unsigned long long)in->token.token);
		if (i % PER_SOCK < 2)
			CHECK(start == BULK_BASE + 2 * (i / PER_SOCK) + i % PER_SOCK &&
			      in->reservation.number_of_ports == 1,
			      "op %d: granted %d+%u", i, start,
			      in->reservation.number_of_ports);
		else
			CHECK(start >= lo && start + 1 <= hi &&
			      in->reservation.number_of_ports == 2,
			      "op %d: wildcard granted %d+%u", i, start,
			      in->reservation.number_of_ports);
		for (k = 0; k < i; k++)
			CHECK(b->inst[k].token.token != in->token.token,
			      "ops %d and %d: same token", k, i);
		b->tok[i] = in->token;
	}
	CHECK(count_entries(0, getpid(), 0) == NOPS, "%d reservations listed",
	      count_entries(0, getpid(), 0));

	/* Round 2, interleaved: associate with the first, release the rest. */
	for (i = 0; i < NSOCK; i++) {
		for (k = 0; k < PER_SOCK; k++) {
			int idx = i * PER_SOCK + k;

			if (k == 0)
				CHECK_OK(portres_prep_associate(&r, ctl, b->assoc[i],
								&b->tok[idx], 0,
								UD(2, idx)));
			else
				CHECK_OK(portres_prep_release(&r, ctl, b->socks[i],
							      &b->tok[idx], 0,
							      UD(2, idx)));
		}
	}
	xsubmit(&r, NOPS);
	CHECK_PASS(reap_round(&r, b, 2));
	for (i = 0; i < NOPS; i++)
		CHECK(b->res[i] == 0, "round 2 op %d: %s", i, tap_errname(-b->res[i]));
	CHECK(count_entries(0, getpid(), 0) == NSOCK, "%d reservations listed",
	      count_entries(0, getpid(), 0));
	for (i = 0; i < NSOCK; i++) {
		CHECK_OK(bind_port(b->assoc[i], 0));
		CHECK(local_port(b->assoc[i]) == BULK_BASE + 2 * i,
		      "associated socket %d bound to %d", i, local_port(b->assoc[i]));
	}

	/* Round 3: release the first blocks; the rest again -> ENOENT. */
	for (i = 0; i < NOPS; i++)
		CHECK_OK(portres_prep_release(&r, ctl, b->socks[i / PER_SOCK],
					      &b->tok[i], 0, UD(3, i)));
	xsubmit(&r, NOPS);
	CHECK_PASS(reap_round(&r, b, 3));
	for (i = 0; i < NOPS; i++)
		CHECK_ERR(b->res[i], i % PER_SOCK ? -ENOENT : 0);
	CHECK(count_entries(0, getpid(), 0) == 0, "reservations left");

	io_uring_queue_exit(&r);
	for (i = 0; i < NSOCK; i++) {
		close(b->socks[i]);
		close(b->assoc[i]);
	}
	close(ctl);
	free(b);
	return 0;
}

/* Errors of the command itself: bad op, flags, socket. */
static int command_errors(void)
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

	CHECK(devnull >= 0 && unx >= 0 && raw >= 0, "set-up sockets");
	CHECK(fcntl(closed, F_GETFD) < 0 && errno == EBADF, "fd %d open", closed);
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

		CHECK_OK(reap(&r, CQE_MS, &ud, &res));
		CHECK(ud >= 100 && ud < 100 + ARRAY_SIZE(c) && !seen[ud - 100],
		      "user_data %llu", (unsigned long long)ud);
		seen[ud - 100] = 1;
		if (res != c[ud - 100].want) {
			tap_diag("case %llu (op %#x fd %d flags %u)",
				 (unsigned long long)ud - 100, c[ud - 100].op,
				 c[ud - 100].fd, c[ud - 100].flags);
			CHECK_ERR(res, c[ud - 100].want);
		}
	}
	CHECK_PASS(no_cqe(&r, 100));
	CHECK(count_entries(0, getpid(), 0) == 0, "a reservation was made");
	io_uring_queue_exit(&r);
	close(udp);
	close(unx);
	close(raw);
	close(devnull);
	close(ctl);
	return 0;
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
static int operation_errors(void)
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

	CHECK(ro != MAP_FAILED, "mmap");
	xring(&r, 8);
	token = xacquire(h, 14010, 4, NULL);
	tok.token = token;
	holder_sock = h;

	/* Held by a reservation, or containing a bound port. */
	inst_set(&inst, 14012, 4);
	CHECK_ERR(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0),
		  -EADDRINUSE);
	CHECK_OK(bind_port(b, 14020));
	inst_set(&inst, 14019, 2);
	CHECK_ERR(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0),
		  -EADDRINUSE);
	/* The other protocol's table is another table. */
	inst_set(&inst, 14019, 2);
	CHECK_OK(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, t, &inst, 0));
	CHECK_OK(release(t, inst.token.token));

	/* Unknown tokens. */
	CHECK_ERR(run1(&r, ctl, SIO_ASSOCIATE_PORT_RESERVATION, s, &bogus, 0),
		  -ENOENT);
	CHECK_ERR(run1(&r, ctl, SIO_RELEASE_PORT_RESERVATION, h, &bogus, 0),
		  -ENOENT);
	/* A UDP token on a TCP socket: another table. */
	CHECK_ERR(run1(&r, ctl, SIO_ASSOCIATE_PORT_RESERVATION, t, &tok, 0),
		  -ENOENT);

	/* Invalid requests. */
	inst_set(&inst, 14030, 0);
	CHECK_ERR(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0),
		  -EINVAL);
	inst_set(&inst, 14030, 1);
	inst.pad = 1;
	CHECK_ERR(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0),
		  -EINVAL);
	inst_set(&inst, 65535, 2);
	CHECK_ERR(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0),
		  -EINVAL);
	/* Associate on a bound socket. */
	CHECK_ERR(run1(&r, ctl, SIO_ASSOCIATE_PORT_RESERVATION, b, &tok, 0),
		  -EINVAL);

	/* Bad pointers. */
	CHECK_ERR(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, (void *)16, 0),
		  -EFAULT);
	CHECK_ERR(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, (void *)16,
		       PORTRES_F_WAIT), -EFAULT);
	CHECK_ERR(run1(&r, ctl, SIO_ASSOCIATE_PORT_RESERVATION, s, (void *)16, 0),
		  -EFAULT);
	CHECK_ERR(run1(&r, ctl, SIO_RELEASE_PORT_RESERVATION, h, (void *)16, 0),
		  -EFAULT);
	/*
	 * Readable but not writable: the acquire cannot report its token,
	 * so it fails and keeps nothing.
	 */
	inst_set(ro, 0, 1);
	CHECK(!mprotect(ro, 4096, PROT_READ), "mprotect");
	CHECK_ERR(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, ro, 0),
		  -EFAULT);
	CHECK(count_entries(IPPROTO_UDP, getpid(), 0) == 1,
	      "a reservation of the failed acquire is left: %d",
	      count_entries(IPPROTO_UDP, getpid(), 0));

	/* Another process may neither consume nor release the token. */
	CHECK_ERR(child_run(child_associate, &token), -EPERM);
	CHECK_ERR(child_run(child_release, &token), -EPERM);
	CHECK_OK(associate(s, token));

	CHECK_PASS(no_cqe(&r, 100));
	CHECK(count_entries(IPPROTO_UDP, getpid(), 0) == 1, "reservations: %d",
	      count_entries(IPPROTO_UDP, getpid(), 0));
	CHECK_OK(release(h, token));
	io_uring_queue_exit(&r);
	munmap(ro, 4096);
	close(h);
	close(s);
	close(b);
	close(t);
	close(ctl);
	return 0;
}

/* The output is in place when the CQE arrives, input untouched on error. */
static int output_written(void)
{
	struct inet_port_reservation_instance inst, busy;
	int ctl = xctl_open(), s = xsock(AF_INET, IPPROTO_TCP);
	struct io_uring r;

	xring(&r, 4);
	inst_set(&inst, 14040, 3);
	inst.token.token = SENTINEL;
	CHECK_OK(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0));
	CHECK(inst.token.token && inst.token.token != SENTINEL, "token %#llx",
	      (unsigned long long)inst.token.token);
	CHECK(ntohs(inst.reservation.start_port) == 14040 &&
	      inst.reservation.number_of_ports == 3 && !inst.pad, "block %u+%u",
	      ntohs(inst.reservation.start_port), inst.reservation.number_of_ports);
	/* The token works: the synchronous ioctls accept it. */
	CHECK_ERR(release(s, inst.token.token), 0);

	/* Wildcard: the granted block comes back. */
	inst_set(&inst, 0, 5);
	CHECK_OK(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0));
	CHECK(inst.reservation.start_port && inst.reservation.number_of_ports == 5,
	      "wildcard %u+%u", ntohs(inst.reservation.start_port),
	      inst.reservation.number_of_ports);
	CHECK(count_entries(IPPROTO_TCP, getpid(),
			    ntohs(inst.reservation.start_port)) == 1, "not listed");
	CHECK_OK(release(s, inst.token.token));

	/* A failed acquire leaves the structure as it was. */
	CHECK_OK(acquire(s, 14045, 1, &busy));
	inst_set(&inst, 14045, 1);
	inst.token.token = SENTINEL;
	CHECK_ERR(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst, 0),
		  -EADDRINUSE);
	CHECK(inst.token.token == SENTINEL, "token written on failure");
	CHECK_OK(release(s, busy.token.token));
	CHECK_PASS(no_cqe(&r, 100));
	io_uring_queue_exit(&r);
	close(s);
	close(ctl);
	return 0;
}

/* portres_prep_*: -EBUSY when the SQ is full, fine after a submit. */
static int prep_full_sq(void)
{
	struct inet_port_reservation_instance inst[5];
	int ctl = xctl_open(), s = xsock(AF_INET, IPPROTO_UDP), i;
	struct inet_port_reservation_token tok = { 1 };
	struct io_uring r;

	xring(&r, 4);
	for (i = 0; i < 5; i++)
		inst_set(&inst[i], 14050 + i, 1);
	for (i = 0; i < 4; i++)
		CHECK_OK(portres_prep_acquire(&r, ctl, s, &inst[i], 0, i + 1));
	CHECK_ERR(portres_prep_acquire(&r, ctl, s, &inst[4], 0, 5), -EBUSY);
	CHECK_ERR(portres_prep_release(&r, ctl, s, &tok, 0, 6), -EBUSY);
	CHECK_ERR(portres_prep_cancel(&r, 1, 7), -EBUSY);
	xsubmit(&r, 4);
	for (i = 0; i < 4; i++) {
		__u64 ud;
		int res;

		CHECK_OK(reap(&r, CQE_MS, &ud, &res));
		CHECK(ud == (__u64)i + 1 && res == 0, "ud %llu res %d",
		      (unsigned long long)ud, res);
	}
	CHECK_OK(portres_prep_acquire(&r, ctl, s, &inst[4], 0, 5));
	xsubmit(&r, 1);
	CHECK_ERR(xreap_ud(&r, 5), 0);
	CHECK_PASS(no_cqe(&r, 100));
	for (i = 0; i < 5; i++)
		CHECK_OK(release(s, inst[i].token.token));
	io_uring_queue_exit(&r);
	close(s);
	close(ctl);
	return 0;
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP_TEST(thousand_in_flight),
		TAP_TEST(command_errors),
		TAP_TEST(operation_errors),
		TAP_TEST(output_written),
		TAP_TEST(prep_full_sq),
	};

	return run_tests(tests, ARRAY_SIZE(tests));
}
