// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input to every portres entry point, beyond what ioctl.c checks (raw
 * and ping sockets, unmapped pointers): NULL, unmapped, read-only and
 * page-straddling pointers for the three socket ioctls, the three
 * /dev/portres ioctls and IORING_OP_URING_CMD on /dev/portres (EFAULT and
 * no reservation left behind: /proc/net/port_reservations and
 * ip_local_reserved_ports unchanged), unaligned pointers (work), zero and
 * huge counts, tokens 0, random and stale (ENOENT), every kind of socket
 * (non-inet: ENOTTY; other inet protocols: EOPNOTSUPP; listening, connected,
 * accepted, shut down: acquire works, associate is EINVAL once bound),
 * closed and non-socket file descriptors, and unknown or mis-encoded ioctl
 * numbers (ENOTTY).
 *
 * Ports used: 12000-12999 (and every port, in a private namespace).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/netlink.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "persist_util.h"

#define TCP	IPPROTO_TCP
#define UDP	IPPROTO_UDP
#define PAGE	4096

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP	262
#endif

static void begin(void)
{
	root_traversable();
	persist_cleanup_at_exit(12000, 12999);
}

static int io(int fd, unsigned long cmd, const void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* ---- memory ---- */

/* n pages, read-write, zeroed. */
static char *pages(int n)
{
	void *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	return p;
}

static void protect(void *p, int prot)
{
	if (mprotect(p, PAGE, prot))
		die("mprotect: %s", strerror(errno));
}

static void *unmapped(void)
{
	char *p = pages(1);

	if (munmap(p, PAGE))
		die("munmap: %s", strerror(errno));
	return p;
}

/* A copy of len bytes of src in a read-only page. */
static void *ro_copy(const void *src, size_t len)
{
	char *p = pages(1);

	memcpy(p, src, len);
	protect(p, PROT_READ);
	return p;
}

/*
 * A copy of src that straddles two pages: the first `head` bytes at the end
 * of the first page, the rest at the start of the second; the pages then get
 * prot1 and prot2 (PROT_NONE for unmapped-like).
 */
static void *straddle(const void *src, size_t len, size_t head, int prot1,
		      int prot2)
{
	char *p = pages(2);
	char *at = p + PAGE - head;

	memcpy(at, src, len);
	protect(p, prot1);
	protect(p + PAGE, prot2);
	return at;
}

/* ---- nothing left behind ---- */

struct snap {
	struct portset bits;
	char proc[65536];
};

static void snap_take(struct snap *s)
{
	int err;

	xreserved_ports_read(&s->bits);
	err = file_read(PROC_RESV, s->proc, sizeof(s->proc));
	if (err)
		die("read %s: %s", PROC_RESV, strerror(-err));
}

static int snap_same(const struct snap *before, const char *what)
{
	static struct snap now;

	snap_take(&now);
	CHECK(!memcmp(&now.bits, &before->bits, sizeof(now.bits)),
	      "%s changed ip_local_reserved_ports", what);
	CHECK(!strcmp(now.proc, before->proc),
	      "%s changed %s: before\n%s\n# after\n%s", what, PROC_RESV,
	      before->proc, now.proc);
	return 0;
}

static struct inet_port_reservation_instance inst_req(uint16_t start,
						       uint16_t n)
{
	struct inet_port_reservation_instance in;

	memset(&in, 0, sizeof(in));
	in.reservation.start_port = htons(start);
	in.reservation.number_of_ports = n;
	return in;
}

/* ---- pointers: socket ioctls ---- */

static int sock_pointers(int fd, uint16_t port)
{
	struct inet_port_reservation_instance in = inst_req(port, 2);
	struct inet_port_reservation_token tok = { 0 };
	static struct snap before;
	void *bad = unmapped();
	uint64_t t;

	snap_take(&before);
	/* NULL and unmapped, for all three (ioctl.c has acquire NULL only). */
	CHECK_ERR(io(fd, SIO_ACQUIRE_PORT_RESERVATION, NULL), -EFAULT);
	CHECK_ERR(io(fd, SIO_ASSOCIATE_PORT_RESERVATION, NULL), -EFAULT);
	CHECK_ERR(io(fd, SIO_RELEASE_PORT_RESERVATION, NULL), -EFAULT);
	CHECK_ERR(io(fd, SIO_ACQUIRE_PORT_RESERVATION, bad), -EFAULT);
	/* A kernel address is not the caller's memory. */
	CHECK_ERR(io(fd, SIO_ACQUIRE_PORT_RESERVATION,
		     (void *)0xffffffff81000000UL), -EFAULT);
	/* Valid request, read-only buffer: the answer cannot be written. */
	CHECK_ERR(io(fd, SIO_ACQUIRE_PORT_RESERVATION,
		     ro_copy(&in, sizeof(in))), -EFAULT);
	/* Half readable then unmapped; half writable then read-only. */
	CHECK_ERR(io(fd, SIO_ACQUIRE_PORT_RESERVATION,
		     straddle(&in, sizeof(in), 8, PROT_READ | PROT_WRITE,
			      PROT_NONE)), -EFAULT);
	CHECK_ERR(io(fd, SIO_ACQUIRE_PORT_RESERVATION,
		     straddle(&in, sizeof(in), 8, PROT_READ | PROT_WRITE,
			      PROT_READ)), -EFAULT);
	CHECK_ERR(io(fd, SIO_ACQUIRE_PORT_RESERVATION,
		     straddle(&in, sizeof(in), 4, PROT_READ,
			      PROT_READ | PROT_WRITE)), -EFAULT);
	CHECK_ERR(io(fd, SIO_ASSOCIATE_PORT_RESERVATION,
		     straddle(&tok, sizeof(tok), 4, PROT_READ, PROT_NONE)),
		  -EFAULT);
	CHECK_ERR(io(fd, SIO_RELEASE_PORT_RESERVATION,
		     straddle(&tok, sizeof(tok), 7, PROT_READ, PROT_NONE)),
		  -EFAULT);
	CHECK_PASS(snap_same(&before, "a faulting socket ioctl"));

	/* The block is still free, and input-only ioctls read read-only memory. */
	t = xacquire(fd, port, 2, NULL);
	tok.token = t;
	CHECK_ERR(io(fd, SIO_ASSOCIATE_PORT_RESERVATION,
		     straddle(&tok, sizeof(tok), 4, PROT_READ, PROT_READ)), 0);
	CHECK_ERR(io(fd, SIO_RELEASE_PORT_RESERVATION,
		     ro_copy(&tok, sizeof(tok))), 0);
	CHECK_ERR(release(fd, t), -ENOENT);
	return 0;
}

static int socket_ioctl_pointers_efault_and_leave_nothing(void)
{
	int fds[4] = {
		xsock(AF_INET, TCP), xsock(AF_INET6, TCP),
		xsock(AF_INET, UDP), xsock(AF_INET6, UDP),
	};
	int i;

	begin();
	for (i = 0; i < 4; i++) {
		CHECK_PASS(sock_pointers(fds[i], 12000 + 4 * i));
		close(fds[i]);
	}
	return 0;
}

static int control_ioctl_pointers_efault_and_leave_nothing(void)
{
	struct portres_persistent p = preq(TCP, 12100, 3, ANY_ID, ANY_ID);
	struct portres_persistent out;
	static struct snap before;
	void *bad = unmapped();
	int ctl, fd;
	uint64_t tok;

	begin();
	ctl = xctl_open();
	snap_take(&before);
	CHECK_ERR(io(ctl, PORTRES_IOC_CREATE_PERSISTENT, NULL), -EFAULT);
	CHECK_ERR(io(ctl, PORTRES_IOC_DELETE_PERSISTENT, NULL), -EFAULT);
	CHECK_ERR(io(ctl, PORTRES_IOC_LOOKUP_PERSISTENT, NULL), -EFAULT);
	CHECK_ERR(io(ctl, PORTRES_IOC_CREATE_PERSISTENT, bad), -EFAULT);
	CHECK_ERR(io(ctl, PORTRES_IOC_DELETE_PERSISTENT, bad), -EFAULT);
	CHECK_ERR(io(ctl, PORTRES_IOC_LOOKUP_PERSISTENT, bad), -EFAULT);
	CHECK_ERR(io(ctl, PORTRES_IOC_CREATE_PERSISTENT,
		     (void *)0xffffffff81000000UL), -EFAULT);
	/* A valid create in read-only memory: nothing may be created. */
	CHECK_ERR(io(ctl, PORTRES_IOC_CREATE_PERSISTENT, ro_copy(&p, sizeof(p))),
		  -EFAULT);
	CHECK_ERR(io(ctl, PORTRES_IOC_CREATE_PERSISTENT,
		     straddle(&p, sizeof(p), 16, PROT_READ | PROT_WRITE,
			      PROT_READ)), -EFAULT);
	CHECK_ERR(io(ctl, PORTRES_IOC_CREATE_PERSISTENT,
		     straddle(&p, sizeof(p), 16, PROT_READ | PROT_WRITE,
			      PROT_NONE)), -EFAULT);
	p.flags = PORTRES_F_GIVEN_TOKEN;
	p.token = 0x0123456789abcdefULL;
	CHECK_ERR(io(ctl, PORTRES_IOC_CREATE_PERSISTENT, ro_copy(&p, sizeof(p))),
		  -EFAULT);
	CHECK_PASS(snap_same(&before, "a faulting create"));
	CHECK_ERR(plookup(ctl, TCP, 12100, 3, NULL), -ENOENT);
	fd = xsock(AF_INET, TCP);
	CHECK_ERR(associate(fd, p.token), -ENOENT);
	CHECK_OK(bind_port(fd, 12101));
	close(fd);

	/* Lookup of an existing block into read-only memory. */
	tok = xpcreate(ctl, TCP, 12100, 3);
	p = preq(TCP, 12100, 3, ANY_ID, ANY_ID);
	snap_take(&before);
	CHECK_ERR(io(ctl, PORTRES_IOC_LOOKUP_PERSISTENT, ro_copy(&p, sizeof(p))),
		  -EFAULT);
	CHECK_ERR(io(ctl, PORTRES_IOC_LOOKUP_PERSISTENT,
		     straddle(&p, sizeof(p), 24, PROT_READ | PROT_WRITE,
			      PROT_READ)), -EFAULT);
	CHECK_ERR(io(ctl, PORTRES_IOC_DELETE_PERSISTENT,
		     straddle(&p, sizeof(p), 8, PROT_READ, PROT_NONE)), -EFAULT);
	CHECK_PASS(snap_same(&before, "a faulting lookup or delete"));
	CHECK_OK(plookup(ctl, TCP, 12100, 3, &out));
	CHECK(out.token == tok, "token changed");
	/* Delete only reads: read-only (and straddling) memory is fine. */
	CHECK_ERR(io(ctl, PORTRES_IOC_DELETE_PERSISTENT,
		     straddle(&p, sizeof(p), 8, PROT_READ, PROT_READ)), 0);
	CHECK_ERR(plookup(ctl, TCP, 12100, 3, NULL), -ENOENT);
	close(ctl);
	return 0;
}

/* ---- unaligned pointers work ---- */

static int unaligned_pointers_work(void)
{
	struct inet_port_reservation_instance in = inst_req(12200, 2), got;
	struct inet_port_reservation_token tok;
	struct portres_persistent p, pout;
	char *buf = pages(1);
	int offs[] = { 1, 3, 5, 7, PAGE - 16 - 1 };
	int i, r, a, ctl;

	begin();
	ctl = xctl_open();
	for (i = 0; i < (int)ARRAY_SIZE(offs); i++) {
		char *at = buf + offs[i];
		uint16_t port = 12200 + 4 * i;

		r = xsock(i & 1 ? AF_INET6 : AF_INET, i & 2 ? UDP : TCP);
		a = xsock(AF_INET, i & 2 ? UDP : TCP);
		in = inst_req(port, 2);
		memcpy(at, &in, sizeof(in));
		CHECK_OK(io(r, SIO_ACQUIRE_PORT_RESERVATION, at));
		memcpy(&got, at, sizeof(got));
		CHECK(ntohs(got.reservation.start_port) == port &&
		      got.reservation.number_of_ports == 2 && got.token.token,
		      "offset %d: got %u+%u token %016llx", offs[i],
		      ntohs(got.reservation.start_port),
		      got.reservation.number_of_ports,
		      (unsigned long long)got.token.token);
		tok = got.token;
		memcpy(at + 1, &tok, sizeof(tok));
		CHECK_OK(io(a, SIO_ASSOCIATE_PORT_RESERVATION, at + 1));
		CHECK_OK(bind_port(a, 0));
		CHECK(port_in(local_port(a), port, 2), "offset %d: bound to %d",
		      offs[i], local_port(a));
		CHECK_OK(io(r, SIO_RELEASE_PORT_RESERVATION, at + 1));
		CHECK_ERR(release(r, tok.token), -ENOENT);
		close(a);
		close(r);

		/* The control device too. */
		/* The last offset ends a struct at the end of the page. */
		if (offs[i] > PAGE / 2)
			at = buf + PAGE - sizeof(p) - 1;
		p = preq(i & 2 ? UDP : TCP, port, 2, 1000, ANY_ID);
		memcpy(at, &p, sizeof(p));
		CHECK_OK(io(ctl, PORTRES_IOC_CREATE_PERSISTENT, at));
		memcpy(&pout, at, sizeof(pout));
		CHECK(pout.token, "offset %d: create gave token 0", offs[i]);
		memcpy(at, &p, sizeof(p));
		CHECK_OK(io(ctl, PORTRES_IOC_LOOKUP_PERSISTENT, at));
		memcpy(&p, at, sizeof(p));
		CHECK(p.token == pout.token && p.allowed_uid == 1000,
		      "offset %d: lookup token %016llx uid %u", offs[i],
		      (unsigned long long)p.token, p.allowed_uid);
		CHECK_OK(io(ctl, PORTRES_IOC_DELETE_PERSISTENT, at));
		CHECK_ERR(plookup(ctl, i & 2 ? UDP : TCP, port, 2, NULL),
			  -ENOENT);
	}
	close(ctl);
	return 0;
}

/* ---- counts ---- */

static int whole_port_space(void *arg)
{
	struct inet_port_reservation_instance got;
	struct portset ps, empty;
	int lo, hi, t, u, ctl, i, n;

	(void)arg;
	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET): %s", strerror(errno));
	t = xsock(AF_INET, TCP);
	u = xsock(AF_INET6, UDP);
	ctl = xctl_open();
	portset_clear(&empty);

	/* 65535 ports from port 1: the largest valid block. */
	CHECK_OK(acquire(t, 1, 65535, &got));
	CHECK(ntohs(got.reservation.start_port) == 1 &&
	      got.reservation.number_of_ports == 65535 && got.token.token,
	      "granted %u+%u", ntohs(got.reservation.start_port),
	      got.reservation.number_of_ports);
	xreserved_ports_read(&ps);
	for (i = 1, n = 0; i < 65536; i++)
		n += portset_test(&ps, i);
	CHECK(n == 65535, "%d of 65535 ports in ip_local_reserved_ports", n);
	CHECK_ERR(acquire(t, 65535, 1, NULL), -EADDRINUSE);
	CHECK_ERR(acquire(t, 0, 1, NULL), -ENOSPC);
	CHECK_ERR(pcreate(ctl, TCP, 40000, 1, ANY_ID, ANY_ID, NULL),
		  -EADDRINUSE);
	/* UDP has its own port space. */
	CHECK_OK(pcreate(ctl, UDP, 1, 65535, ANY_ID, ANY_ID, NULL));
	CHECK_ERR(acquire(u, 0, 1, NULL), -ENOSPC);
	CHECK_OK(pdelete(ctl, UDP, 1, 65535));
	CHECK_OK(release(t, got.token.token));
	xreserved_ports_read(&ps);
	CHECK(!memcmp(&ps, &empty, sizeof(ps)),
	      "bits left after the whole space was released");

	/* One more than fits. */
	CHECK_ERR(acquire(t, 2, 65535, NULL), -EINVAL);
	CHECK_ERR(acquire(u, 65535, 2, NULL), -EINVAL);
	CHECK_ERR(pcreate(ctl, UDP, 2, 65535, ANY_ID, ANY_ID, NULL), -EINVAL);

	/* Wildcards: the local port range is the limit. */
	get_port_range(&lo, &hi);
	CHECK_ERR(acquire(u, 0, 65535, NULL), -ENOSPC);
	CHECK_ERR(acquire(u, 0, hi - lo + 2, NULL), -ENOSPC);
	CHECK_OK(acquire(u, 0, hi - lo + 1, &got));
	CHECK(ntohs(got.reservation.start_port) == lo,
	      "the whole local range %d-%d granted from %u", lo, hi,
	      ntohs(got.reservation.start_port));
	CHECK_ERR(acquire(u, 0, 1, NULL), -ENOSPC);
	CHECK_OK(release(u, got.token.token));
	CHECK_OK(acquire(u, 65535, 1, NULL));
	return 0;
}

static int zero_and_huge_counts(void)
{
	struct inet_port_reservation_instance in;
	int t, u, ctl;

	begin();
	t = xsock(AF_INET, TCP);
	u = xsock(AF_INET6, UDP);
	ctl = xctl_open();
	CHECK_ERR(acquire(t, 12300, 0, NULL), -EINVAL);
	CHECK_ERR(acquire(u, 0, 0, NULL), -EINVAL);
	CHECK_ERR(acquire(t, 0, 0, NULL), -EINVAL);
	CHECK_ERR(pcreate(ctl, UDP, 12300, 0, ANY_ID, ANY_ID, NULL), -EINVAL);
	CHECK_ERR(pcreate(ctl, TCP, 1, 0, ANY_ID, ANY_ID, NULL), -EINVAL);
	/* 0 stays 0: the instance is not rewritten on failure. */
	in = inst_req(12300, 0);
	in.token.token = 0x77;
	CHECK_ERR(io(t, SIO_ACQUIRE_PORT_RESERVATION, &in), -EINVAL);
	CHECK(in.token.token == 0x77 && in.reservation.number_of_ports == 0,
	      "a refused acquire wrote token %016llx",
	      (unsigned long long)in.token.token);
	/* Every port: done in a namespace of its own. */
	CHECK_OK(child_run(whole_port_space, NULL));
	close(t);
	close(u);
	close(ctl);
	return 0;
}

/* ---- tokens ---- */

static int tokens_zero_random_and_stale_are_enoent(void)
{
	int r, a, u, ctl, i;
	uint64_t t, pt, rnd;

	begin();
	r = xsock(AF_INET, TCP);
	a = xsock(AF_INET6, TCP);
	u = xsock(AF_INET, UDP);
	ctl = xctl_open();
	xacquire(r, 12400, 2, NULL);	/* something to be confused with */
	CHECK_ERR(associate(a, 0), -ENOENT);
	CHECK_ERR(release(r, 0), -ENOENT);
	CHECK_ERR(associate(u, 0), -ENOENT);
	CHECK_ERR(release(u, 0), -ENOENT);
	for (i = 0; i < 64; i++) {
		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			die("getrandom: %s", strerror(errno));
		CHECK_ERR(associate(i & 1 ? u : a, rnd), -ENOENT);
		CHECK_ERR(release(i & 1 ? u : r, rnd), -ENOENT);
		CHECK_ERR(associate(a, 1ULL << i), -ENOENT);
		CHECK_ERR(associate(a, ~0ULL ^ (1ULL << i)), -ENOENT);
	}
	/* Released: stale. */
	t = xacquire(r, 12410, 2, NULL);
	xrelease(r, t);
	CHECK_ERR(associate(a, t), -ENOENT);
	CHECK_ERR(release(r, t), -ENOENT);
	/* Ended by closing its socket: stale. */
	i = xsock(AF_INET, TCP);
	t = xacquire(i, 12420, 2, NULL);
	close(i);
	CHECK_ERR(associate(a, t), -ENOENT);
	CHECK_ERR(release(r, t), -ENOENT);
	/* A deleted persistent reservation: stale. */
	pt = xpcreate(ctl, TCP, 12430, 2);
	xpdelete(ctl, TCP, 12430, 2);
	CHECK_ERR(associate(a, pt), -ENOENT);
	CHECK_ERR(release(r, pt), -ENOENT);
	/* Still usable after all that: a has not been associated. */
	t = xacquire(r, 12440, 2, NULL);
	CHECK_OK(associate(a, t));
	CHECK_OK(bind_port(a, 0));
	CHECK(port_in(local_port(a), 12440, 2), "bound to %d", local_port(a));
	close(a);
	close(r);
	close(u);
	close(ctl);
	return 0;
}

/* ---- socket kinds ---- */

/* All three socket ioctls on fd give want; nothing is reserved. */
static int all_three(int fd, int want, const char *what)
{
	struct inet_port_reservation_instance in = inst_req(12500, 1);
	struct inet_port_reservation_token tok = { 1 };
	static struct snap before;
	int err;

	snap_take(&before);
	err = io(fd, SIO_ACQUIRE_PORT_RESERVATION, &in);
	CHECK(err == want, "%s: acquire: expected %s, got %s", what,
	      tap_errname(-want), tap_errname(-err));
	err = io(fd, SIO_ASSOCIATE_PORT_RESERVATION, &tok);
	CHECK(err == want, "%s: associate: expected %s, got %s", what,
	      tap_errname(-want), tap_errname(-err));
	err = io(fd, SIO_RELEASE_PORT_RESERVATION, &tok);
	CHECK(err == want, "%s: release: expected %s, got %s", what,
	      tap_errname(-want), tap_errname(-err));
	/* Even with a bad pointer the answer is about the socket. */
	err = io(fd, SIO_ACQUIRE_PORT_RESERVATION, NULL);
	CHECK(err == want, "%s: acquire(NULL): expected %s, got %s", what,
	      tap_errname(-want), tap_errname(-err));
	CHECK_PASS(snap_same(&before, what));
	return 0;
}

static int non_inet_sockets_are_enotty(void)
{
	static const struct { int family, type, proto; const char *name; } s[] = {
		{ AF_UNIX, SOCK_STREAM, 0, "unix stream" },
		{ AF_UNIX, SOCK_DGRAM, 0, "unix datagram" },
		{ AF_UNIX, SOCK_SEQPACKET, 0, "unix seqpacket" },
		{ AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, "netlink route" },
		{ AF_NETLINK, SOCK_DGRAM, NETLINK_GENERIC, "netlink generic" },
		/* Not inet: never reaches inet_ioctl, so the core's ENOTTY. */
		{ AF_PACKET, SOCK_RAW, ETH_P_ALL, "packet raw" },
		{ AF_PACKET, SOCK_DGRAM, ETH_P_ALL, "packet datagram" },
		{ AF_PACKET, SOCK_RAW, ETH_P_IP, "packet raw, IPv4 only" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(s); i++) {
		int fd = socket(s[i].family, s[i].type | SOCK_CLOEXEC,
				s[i].family == AF_PACKET ? htons(s[i].proto) :
				s[i].proto);

		CHECK(fd >= 0, "%s: socket: %s", s[i].name, strerror(errno));
		CHECK_PASS(all_three(fd, -ENOTTY, s[i].name));
		close(fd);
	}
	return 0;
}

static int other_inet_protocols_are_eopnotsupp(void)
{
	static const struct { int family, type, proto; const char *name; } s[] = {
		{ AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE, "IPv4 UDP-Lite" },
		{ AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE, "IPv6 UDP-Lite" },
		{ AF_INET, SOCK_STREAM, IPPROTO_MPTCP, "IPv4 MPTCP" },
		{ AF_INET6, SOCK_STREAM, IPPROTO_MPTCP, "IPv6 MPTCP" },
		{ AF_INET, SOCK_STREAM, IPPROTO_SCTP, "IPv4 SCTP stream" },
		{ AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP, "IPv4 SCTP seqpacket" },
		{ AF_INET6, SOCK_STREAM, IPPROTO_SCTP, "IPv6 SCTP stream" },
	};
	size_t i;
	int done = 0;

	for (i = 0; i < ARRAY_SIZE(s); i++) {
		int fd = socket(s[i].family, s[i].type | SOCK_CLOEXEC,
				s[i].proto);

		/* SCTP is a module; UDP-Lite is gone since Linux 7.0. */
		if (fd < 0 &&
		    (errno == EPROTONOSUPPORT || errno == ESOCKTNOSUPPORT ||
		     errno == ENOPROTOOPT)) {
			tap_diag("%s not available in this kernel (%s): not checked",
				 s[i].name, strerror(errno));
			continue;
		}
		CHECK(fd >= 0, "%s: socket: %s", s[i].name, strerror(errno));
		CHECK_PASS(all_three(fd, -EOPNOTSUPP, s[i].name));
		close(fd);
		done++;
	}
	tap_diag("%d of %zu protocol cases checked", done, ARRAY_SIZE(s));
	return 0;
}

static int sock_proto(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len))
		die("SO_PROTOCOL: %s", strerror(errno));
	return v;
}

/* The TCP state of fd, as TCP_INFO reports it. */
static int tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		die("TCP_INFO: %s", strerror(errno));
	return ti.tcpi_state;
}

static int wait_tcp_state(int fd, int state)
{
	int i;

	for (i = 0; i < 2000 && tcp_state(fd) != state; i++)
		usleep(1000);
	CHECK(tcp_state(fd) == state, "TCP state %d, waited for %d",
	      tcp_state(fd), state);
	return 0;
}

/*
 * Acquire works on a TCP or UDP socket in any state; associate is EINVAL
 * when the socket holds a port (want -EINVAL), else it works (want 0).
 * Either way the answer agrees with bind(): an associated socket's bind(0)
 * takes a port of the block, a refused one's bind() is EINVAL too. The
 * reservation made is a working one (an outsider's bind is EACCES).
 */
static int state_case(int fd, uint16_t port, const char *what, int want)
{
	struct inet_port_reservation_instance got;
	int o, err;
	uint64_t t;

	err = acquire(fd, port, 2, &got);
	CHECK(err == 0, "%s: acquire: %s", what, tap_errname(-err));
	t = got.token.token;
	CHECK(t && ntohs(got.reservation.start_port) == port,
	      "%s: granted %u token %016llx", what,
	      ntohs(got.reservation.start_port), (unsigned long long)t);
	o = xsock(AF_INET, sock_proto(fd));
	err = bind_port(o, port + 1);
	close(o);
	CHECK(err == -EACCES, "%s: outsider bind into the block: %s", what,
	      tap_errname(-err));
	err = associate(fd, t);
	CHECK(err == want, "%s: associate: expected %s, got %s", what,
	      tap_errname(-want), tap_errname(-err));
	if (!err) {
		err = bind_port(fd, 0);
		CHECK(err == 0 && port_in(local_port(fd), port, 2),
		      "%s: associated bind(0): %s, port %d", what,
		      tap_errname(-err), local_port(fd));
	} else {
		err = bind_port(fd, 12690);
		CHECK(err == -EINVAL, "%s: associate said bound, bind() says %s",
		      what, tap_errname(-err));
	}
	err = release(fd, t);
	CHECK(err == 0, "%s: release: %s", what, tap_errname(-err));
	return 0;
}

static int socket_states_listening_connected_shut_down(void)
{
	int l, c, s, u, v, x, y, z;

	begin();
	/* Listening. */
	l = xlistener(AF_INET6, 12600);
	CHECK_PASS(state_case(l, 12610, "listening", -EINVAL));
	/* Connected client (autobound) and the accepted socket. */
	c = xsock(AF_INET, TCP);
	CHECK_OK(connect_port(c, 12600));
	s = xaccept(l);
	CHECK_PASS(state_case(c, 12612, "connected client", -EINVAL));
	CHECK_PASS(state_case(s, 12614, "accepted", -EINVAL));
	/* Shut down both ways; the peer has not closed: FIN_WAIT2, bound. */
	CHECK(shutdown(c, SHUT_RDWR) == 0, "shutdown: %s", strerror(errno));
	CHECK_PASS(wait_tcp_state(c, TCP_FIN_WAIT2));
	CHECK_PASS(state_case(c, 12616, "client shut down (FIN_WAIT2)",
			      -EINVAL));
	/*
	 * The peer shuts down too: the accepted socket goes LAST_ACK ->
	 * CLOSED and gives its port back (it never bound one itself), so it
	 * is unbound for bind() and for associate.
	 */
	CHECK(shutdown(s, SHUT_WR) == 0, "shutdown: %s", strerror(errno));
	CHECK_PASS(wait_tcp_state(s, TCP_CLOSE));
	CHECK_PASS(state_case(s, 12618, "accepted, shut down and closed", 0));
	/*
	 * The client's port now lives in a TIME_WAIT entry; the socket itself
	 * is CLOSED and unbound for the kernel (bind() would work), although
	 * getsockname() still shows the old port: associate works.
	 */
	CHECK_PASS(wait_tcp_state(c, TCP_CLOSE));
	CHECK_PASS(state_case(c, 12620, "client after TIME_WAIT took its port",
			      0));
	/* A listener that was shut down: CLOSED, still bound to its port. */
	CHECK(shutdown(l, SHUT_RDWR) == 0, "shutdown listener: %s",
	      strerror(errno));
	CHECK_PASS(state_case(l, 12622, "listener after shutdown", -EINVAL));
	/* Unbound, shutdown() refused: still a plain fresh socket. */
	x = xsock(AF_INET, TCP);
	CHECK(shutdown(x, SHUT_RDWR) < 0 && errno == ENOTCONN,
	      "shutdown of a fresh TCP socket");
	CHECK_PASS(state_case(x, 12624, "fresh TCP after failed shutdown", 0));
	/* A refused connect gives the autobound port back. */
	y = xsock(AF_INET, TCP);
	CHECK_ERR(connect_port(y, 12699), -ECONNREFUSED);
	CHECK_PASS(state_case(y, 12626, "TCP after refused connect", 0));
	/* Explicitly bound, then a refused connect: keeps its port. */
	z = xsock(AF_INET6, TCP);
	CHECK_OK(bind_port(z, 12698));
	CHECK_ERR(connect_port(z, 12699), -ECONNREFUSED);
	CHECK_PASS(state_case(z, 12628, "bound TCP after refused connect",
			      -EINVAL));
	/* UDP: bound, connected, connected then shut down. */
	u = xsock(AF_INET, UDP);
	CHECK_OK(bind_port(u, 12630));
	CHECK_PASS(state_case(u, 12632, "bound UDP", -EINVAL));
	v = xsock(AF_INET6, UDP);
	CHECK_OK(connect_port(v, 12630));
	CHECK_PASS(state_case(v, 12634, "connected UDP", -EINVAL));
	CHECK(shutdown(v, SHUT_RDWR) == 0, "shutdown UDP: %s", strerror(errno));
	CHECK_PASS(state_case(v, 12636, "connected UDP after shutdown",
			      -EINVAL));
	close(c);
	close(s);
	close(l);
	close(u);
	close(v);
	close(x);
	close(y);
	close(z);
	return 0;
}

/* ---- file descriptors ---- */

static int closed_and_non_socket_fds(void)
{
	char path[] = "/tmp/badinput.XXXXXX";
	int fds[5], pp[2], i, closed, ctl, s;
	const char *names[5] = {
		"regular file", "/dev/null", "eventfd", "pipe", "/dev/portres",
	};
	struct portres_persistent p = preq(TCP, 12700, 1, ANY_ID, ANY_ID);
	static struct snap before;

	begin();
	fds[0] = mkostemp(path, O_CLOEXEC);
	CHECK(fds[0] >= 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	fds[1] = open("/dev/null", O_RDWR | O_CLOEXEC);
	fds[2] = eventfd(0, EFD_CLOEXEC);
	CHECK(pipe2(pp, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	fds[3] = pp[0];
	fds[4] = xctl_open();
	ctl = fds[4];
	s = xsock(AF_INET, TCP);
	/* Not files of ours (an epoll fd has ioctls of its own since 6.9). */
	for (i = 0; i < 5; i++) {
		CHECK(fds[i] >= 0, "%s: %s", names[i], strerror(errno));
		CHECK_PASS(all_three(fds[i], -ENOTTY, names[i]));
	}
	/* Closed: nothing may reuse the number before the checks. */
	closed = xsock(AF_INET, TCP);
	close(closed);
	CHECK_PASS(all_three(closed, -EBADF, "closed fd"));
	CHECK_ERR(io(closed, PORTRES_IOC_CREATE_PERSISTENT, &p), -EBADF);
	CHECK_PASS(all_three(-1, -EBADF, "fd -1"));
	CHECK_PASS(all_three(100000, -EBADF, "fd 100000"));

	/* Control-device ioctls on a socket or another file: ENOTTY. */
	snap_take(&before);
	CHECK_ERR(io(s, PORTRES_IOC_CREATE_PERSISTENT, &p), -ENOTTY);
	CHECK_ERR(io(s, PORTRES_IOC_LOOKUP_PERSISTENT, &p), -ENOTTY);
	CHECK_ERR(io(fds[1], PORTRES_IOC_CREATE_PERSISTENT, &p), -ENOTTY);
	CHECK_ERR(io(fds[0], PORTRES_IOC_CREATE_PERSISTENT, &p), -ENOTTY);
	CHECK_PASS(snap_same(&before, "control ioctls on other files"));
	CHECK_ERR(plookup(ctl, TCP, 12700, 1, NULL), -ENOENT);
	close(s);
	close(pp[1]);
	for (i = 0; i < 5; i++)
		close(fds[i]);
	return 0;
}

/* ---- ioctl numbers ---- */

struct blob40 { char b[40]; };
struct blob24 { char b[24]; };
struct blob8 { char b[8]; };

static int unknown_and_misencoded_ioctl_numbers_are_enotty(void)
{
	const unsigned long ctl_bad[] = {
		_IO(PORTRES_IOC_MAGIC, 0x10),
		_IOR(PORTRES_IOC_MAGIC, 0x10, struct portres_persistent),
		_IOW(PORTRES_IOC_MAGIC, 0x10, struct portres_persistent),
		_IOWR(PORTRES_IOC_MAGIC, 0x10, struct blob24),
		_IOWR(PORTRES_IOC_MAGIC, 0x10, struct blob40),
		_IOWR(PORTRES_IOC_MAGIC, 0x11, struct portres_persistent),
		_IOW(PORTRES_IOC_MAGIC, 0x11, struct blob24),
		_IOR(PORTRES_IOC_MAGIC, 0x12, struct portres_persistent),
		_IOWR(PORTRES_IOC_MAGIC, 0x12, struct blob40),
		_IOWR(PORTRES_IOC_MAGIC, 0x13, struct portres_persistent),
		_IOWR(PORTRES_IOC_MAGIC, 0x0f, struct portres_persistent),
		_IOWR('K', 0x10, struct portres_persistent),
		SIO_ACQUIRE_PORT_RESERVATION, SIO_ASSOCIATE_PORT_RESERVATION,
		SIO_RELEASE_PORT_RESERVATION,
		FIONREAD, 0, 0xffffffffUL,
	};
	const unsigned long sock_bad[] = {
		_IO(PORTRES_IOC_MAGIC, 0x01),
		_IOR(PORTRES_IOC_MAGIC, 0x01, struct inet_port_reservation_instance),
		_IOW(PORTRES_IOC_MAGIC, 0x01, struct inet_port_reservation_instance),
		_IOWR(PORTRES_IOC_MAGIC, 0x01, struct blob8),
		_IOWR(PORTRES_IOC_MAGIC, 0x01, struct blob24),
		_IOWR(PORTRES_IOC_MAGIC, 0x02, struct inet_port_reservation_token),
		_IOW(PORTRES_IOC_MAGIC, 0x02, struct blob24),
		_IOW(PORTRES_IOC_MAGIC, 0x03, struct inet_port_reservation_instance),
		_IOR(PORTRES_IOC_MAGIC, 0x03, struct inet_port_reservation_token),
		_IOWR(PORTRES_IOC_MAGIC, 0x04, struct inet_port_reservation_instance),
		_IOWR('K', 0x01, struct inet_port_reservation_instance),
		PORTRES_IOC_CREATE_PERSISTENT, PORTRES_IOC_DELETE_PERSISTENT,
		PORTRES_IOC_LOOKUP_PERSISTENT,
	};
	/* Each argument is a valid request for what the number resembles. */
	static union {
		struct portres_persistent p;
		struct inet_port_reservation_instance in;
		char pad[64];
	} arg;
	static struct snap before;
	int ctl, t, u;
	size_t i;

	begin();
	ctl = xctl_open();
	t = xsock(AF_INET, TCP);
	u = xsock(AF_INET6, UDP);
	snap_take(&before);
	for (i = 0; i < ARRAY_SIZE(ctl_bad); i++) {
		arg.p = preq(TCP, 12800, 2, ANY_ID, ANY_ID);
		CHECK(io(ctl, ctl_bad[i], &arg) == -ENOTTY,
		      "/dev/portres ioctl %#lx: expected ENOTTY, got %s",
		      ctl_bad[i], tap_errname(errno));
	}
	for (i = 0; i < ARRAY_SIZE(sock_bad); i++) {
		int fd = i & 1 ? u : t, err;

		memset(&arg, 0, sizeof(arg));
		arg.in = inst_req(12800, 2);
		err = io(fd, sock_bad[i], &arg);
		CHECK(err == -ENOTTY, "socket ioctl %#lx: expected ENOTTY, got %s",
		      sock_bad[i], tap_errname(-err));
	}
	CHECK_PASS(snap_same(&before, "mis-encoded ioctls"));
	/* The real numbers still work on the same files. */
	CHECK_OK(acquire(t, 12800, 2, NULL));
	CHECK_OK(pcreate(ctl, UDP, 12800, 2, ANY_ID, ANY_ID, NULL));
	CHECK_OK(pdelete(ctl, UDP, 12800, 2));
	close(t);
	close(u);
	close(ctl);
	return 0;
}

/* ---- io_uring command on /dev/portres ---- */

static struct io_uring ring;

static int ucmd(int ctl, uint32_t op, int sockfd, uint32_t flags,
		const void *arg)
{
	struct portres_uring_cmd pc = {
		.sockfd = sockfd, .flags = flags,
		.arg = (uint64_t)(uintptr_t)arg,
	};
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	struct io_uring_cqe *cqe;
	int res, err;

	if (!sqe)
		die("no SQE");
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = ctl;
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &pc, sizeof(pc));
	sqe->user_data = 0xbad1;
	err = io_uring_submit(&ring);
	if (err != 1)
		die("io_uring_submit: %s", strerror(-err));
	err = io_uring_wait_cqe(&ring, &cqe);
	if (err)
		die("io_uring_wait_cqe: %s", strerror(-err));
	if (cqe->user_data != 0xbad1)
		die("CQE user_data %llx", (unsigned long long)cqe->user_data);
	res = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	return res;
}

static int uring_cmd_bad_input(void)
{
	struct inet_port_reservation_instance in = inst_req(12900, 2), got;
	struct inet_port_reservation_token tok = { 0 };
	static struct snap before;
	char path[] = "/tmp/badinput.XXXXXX";
	int ctl, t, u, file, nul, efd, un, raw, closed, err;
	char *buf = pages(1);

	begin();
	err = io_uring_queue_init(8, &ring, 0);
	CHECK(err == 0, "io_uring_queue_init: %s", strerror(-err));
	ctl = xctl_open();
	t = xsock(AF_INET, TCP);
	u = xsock(AF_INET6, UDP);
	file = mkostemp(path, O_CLOEXEC);
	CHECK(file >= 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	efd = eventfd(0, EFD_CLOEXEC);
	un = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	CHECK(nul >= 0 && efd >= 0 && un >= 0 && raw >= 0, "set-up: %s",
	      strerror(errno));
	closed = xsock(AF_INET, TCP);
	close(closed);
	snap_take(&before);

	/* Not a socket: ENOTSOCK; no file: EBADF. */
	CHECK_ERR(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, file, 0, &in), -ENOTSOCK);
	CHECK_ERR(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, nul, 0, &in), -ENOTSOCK);
	CHECK_ERR(ucmd(ctl, SIO_ASSOCIATE_PORT_RESERVATION, efd, 0, &tok), -ENOTSOCK);
	CHECK_ERR(ucmd(ctl, SIO_RELEASE_PORT_RESERVATION, ctl, 0, &tok), -ENOTSOCK);
	CHECK_ERR(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, closed, 0, &in), -EBADF);
	CHECK_ERR(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, -1, 0, &in), -EBADF);
	/* A socket, but not TCP/UDP: EOPNOTSUPP (unix included, here). */
	CHECK_ERR(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, un, 0, &in), -EOPNOTSUPP);
	CHECK_ERR(ucmd(ctl, SIO_ASSOCIATE_PORT_RESERVATION, raw, 0, &tok), -EOPNOTSUPP);
	/* Bad pointers. */
	CHECK_ERR(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0, NULL), -EFAULT);
	CHECK_ERR(ucmd(ctl, SIO_ASSOCIATE_PORT_RESERVATION, t, 0, NULL), -EFAULT);
	CHECK_ERR(ucmd(ctl, SIO_RELEASE_PORT_RESERVATION, u, 0, NULL), -EFAULT);
	CHECK_ERR(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, u, 0, unmapped()), -EFAULT);
	CHECK_ERR(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0,
		       ro_copy(&in, sizeof(in))), -EFAULT);
	CHECK_ERR(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, u, 0,
		       straddle(&in, sizeof(in), 8, PROT_READ | PROT_WRITE,
				PROT_READ)), -EFAULT);
	CHECK_ERR(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0,
		       (void *)0xffffffff81000000UL), -EFAULT);
	/* Unknown operations and flags. */
	CHECK_ERR(ucmd(ctl, PORTRES_IOC_CREATE_PERSISTENT, t, 0, &in), -ENOTTY);
	CHECK_ERR(ucmd(ctl, 0, t, 0, &in), -ENOTTY);
	CHECK_ERR(ucmd(ctl, _IOWR(PORTRES_IOC_MAGIC, 0x01, struct blob24), t, 0,
		       &in), -ENOTTY);
	CHECK_ERR(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0x2, &in), -EINVAL);
	CHECK_ERR(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0x80000000U, &in),
		  -EINVAL);
	CHECK_ERR(ucmd(ctl, SIO_ASSOCIATE_PORT_RESERVATION, t, PORTRES_F_WAIT,
		       &tok), -EINVAL);
	CHECK_ERR(ucmd(ctl, SIO_RELEASE_PORT_RESERVATION, t, PORTRES_F_WAIT,
		       &tok), -EINVAL);
	/* Zero count, token 0. */
	in.reservation.number_of_ports = 0;
	CHECK_ERR(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0, &in), -EINVAL);
	in.reservation.number_of_ports = 2;
	CHECK_ERR(ucmd(ctl, SIO_ASSOCIATE_PORT_RESERVATION, u, 0, &tok), -ENOENT);
	CHECK_ERR(ucmd(ctl, SIO_RELEASE_PORT_RESERVATION, t, 0, &tok), -ENOENT);
	CHECK_PASS(snap_same(&before, "refused io_uring commands"));

	/* Unaligned works, and so do read-only inputs. */
	memcpy(buf + 3, &in, sizeof(in));
	CHECK_OK(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0, buf + 3));
	memcpy(&got, buf + 3, sizeof(got));
	CHECK(ntohs(got.reservation.start_port) == 12900 && got.token.token,
	      "uring acquire gave %u token %016llx",
	      ntohs(got.reservation.start_port),
	      (unsigned long long)got.token.token);
	tok = got.token;
	CHECK_OK(ucmd(ctl, SIO_RELEASE_PORT_RESERVATION, t, 0,
		      ro_copy(&tok, sizeof(tok))));
	CHECK_ERR(ucmd(ctl, SIO_RELEASE_PORT_RESERVATION, t, 0, &tok), -ENOENT);
	io_uring_queue_exit(&ring);
	close(ctl);
	close(t);
	close(u);
	close(file);
	close(nul);
	close(efd);
	close(un);
	close(raw);
	return 0;
}

static const struct tap_test tests[] = {
	TAP_TEST(socket_ioctl_pointers_efault_and_leave_nothing),
	TAP_TEST(control_ioctl_pointers_efault_and_leave_nothing),
	TAP_TEST(unaligned_pointers_work),
	TAP_TEST(zero_and_huge_counts),
	TAP_TEST(tokens_zero_random_and_stale_are_enoent),
	TAP_TEST(non_inet_sockets_are_enotty),
	TAP_TEST(other_inet_protocols_are_eopnotsupp),
	TAP_TEST(socket_states_listening_connected_shut_down),
	TAP_TEST(closed_and_non_socket_fds),
	TAP_TEST(unknown_and_misencoded_ioctl_numbers_are_enotty),
	TAP_TEST(uring_cmd_bad_input),
};

int main(void)
{
	return run_tests(tests, ARRAY_SIZE(tests));
}
