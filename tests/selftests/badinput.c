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

#include "portres_test.h"
#include "persist_util.h"

#define TCP	IPPROTO_TCP
#define UDP	IPPROTO_UDP
#define PAGE	4096

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP	262
#endif

PORTRES_FIXTURE(badinput, PORTRES_NETNS);

/* ioctl(): 0 or -errno. compat32.c has the same; portres_util.c is its place. */
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

static void snap_same(struct __test_metadata *_metadata,
		      const struct snap *before, const char *what)
{
	static struct snap now;

	snap_take(&now);
	ASSERT_EQ(0, memcmp(&now.bits, &before->bits, sizeof(now.bits)))
		TH_LOG("%s changed ip_local_reserved_ports", what);
	ASSERT_STREQ(before->proc, now.proc)
		TH_LOG("%s changed %s", what, PROC_RESV);
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

/* ---- pointers ---- */

/* The three ioctls of a file. */
static const unsigned long sock_cmds[] = {
	SIO_ACQUIRE_PORT_RESERVATION, SIO_ASSOCIATE_PORT_RESERVATION,
	SIO_RELEASE_PORT_RESERVATION,
};
static const unsigned long ctl_cmds[] = {
	PORTRES_IOC_CREATE_PERSISTENT, PORTRES_IOC_DELETE_PERSISTENT,
	PORTRES_IOC_LOOKUP_PERSISTENT,
};

/*
 * Each of cmds (the three) on fd with a NULL, an unmapped and a kernel
 * address (not the caller's memory): EFAULT.
 */
static void all_efault(struct __test_metadata *_metadata, int fd,
		       const unsigned long cmds[3])
{
	void *const bad[] = { NULL, unmapped(), (void *)0xffffffff81000000UL };
	size_t c, b;

	for (c = 0; c < 3; c++) {
		for (b = 0; b < ARRAY_SIZE(bad); b++) {
			ASSERT_ERRNO(io(fd, cmds[c], bad[b]), -EFAULT)
				TH_LOG("ioctl %#lx, pointer %p", cmds[c], bad[b]);
		}
	}
}

#define RW	(PROT_READ | PROT_WRITE)

/* A copy of a request in memory the kernel cannot read or write it all. */
struct bad_copy {
	unsigned long cmd;
	const void *req;
	size_t len;
	size_t head;		/* 0: in a read-only page; else straddle() */
	int prot1, prot2;	/* straddle()'s */
};

static void efault_copies(struct __test_metadata *_metadata, int fd,
			  const struct bad_copy *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		void *at = c[i].head ? straddle(c[i].req, c[i].len, c[i].head,
						c[i].prot1, c[i].prot2) :
				       ro_copy(c[i].req, c[i].len);

		ASSERT_ERRNO(io(fd, c[i].cmd, at), -EFAULT)
			TH_LOG("ioctl %#lx, copy %zu", c[i].cmd, i);
	}
}

/* ---- socket ioctls, on TCP and UDP sockets of both families ---- */

PORTRES_FIXTURE(sock, PORTRES_NETNS);

FIXTURE_VARIANT(sock) {
	int family, proto;
};

FIXTURE_VARIANT_ADD(sock, tcp_ipv4) { .family = AF_INET, .proto = TCP };
FIXTURE_VARIANT_ADD(sock, tcp_ipv6) { .family = AF_INET6, .proto = TCP };
FIXTURE_VARIANT_ADD(sock, udp_ipv4) { .family = AF_INET, .proto = UDP };
FIXTURE_VARIANT_ADD(sock, udp_ipv6) { .family = AF_INET6, .proto = UDP };

TEST_F(sock, ioctl_pointers_efault_and_leave_nothing)
{
	struct inet_port_reservation_instance in = inst_req(12000, 2);
	struct inet_port_reservation_token tok = { 0 };
	int fd = xsock(variant->family, variant->proto);
	static struct snap before;
	uint64_t t;

	/*
	 * A valid acquire read-only: the answer cannot be written. Straddling:
	 * half readable then unmapped, half writable then read-only.
	 */
	const struct bad_copy copies[] = {
		{ SIO_ACQUIRE_PORT_RESERVATION, &in, sizeof(in), 0, 0, 0 },
		{ SIO_ACQUIRE_PORT_RESERVATION, &in, sizeof(in), 8, RW, PROT_NONE },
		{ SIO_ACQUIRE_PORT_RESERVATION, &in, sizeof(in), 8, RW, PROT_READ },
		{ SIO_ACQUIRE_PORT_RESERVATION, &in, sizeof(in), 4, PROT_READ, RW },
		{ SIO_ASSOCIATE_PORT_RESERVATION, &tok, sizeof(tok), 4, PROT_READ,
		  PROT_NONE },
		{ SIO_RELEASE_PORT_RESERVATION, &tok, sizeof(tok), 7, PROT_READ,
		  PROT_NONE },
	};

	snap_take(&before);
	/* ioctl.c has acquire NULL only. */
	all_efault(_metadata, fd, sock_cmds);
	efault_copies(_metadata, fd, copies, ARRAY_SIZE(copies));
	snap_same(_metadata, &before, "a faulting socket ioctl");

	/* The block is still free, and input-only ioctls read read-only memory. */
	t = xacquire(fd, 12000, 2, NULL);
	tok.token = t;
	ASSERT_OK(io(fd, SIO_ASSOCIATE_PORT_RESERVATION,
		     straddle(&tok, sizeof(tok), 4, PROT_READ, PROT_READ)));
	ASSERT_OK(io(fd, SIO_RELEASE_PORT_RESERVATION,
		     ro_copy(&tok, sizeof(tok))));
	ASSERT_ERRNO(release(fd, t), -ENOENT);
	close(fd);
}

/* ---- pointers: /dev/portres ioctls ---- */

TEST_F(badinput, control_ioctl_pointers_efault_and_leave_nothing)
{
	struct portres_persistent p = preq(TCP, 12100, 3, ANY_ID, ANY_ID);
	struct portres_persistent given = p, out;
	static struct snap before;
	int ctl, fd;
	uint64_t tok;

	/* A valid create (also with a given token) in read-only memory. */
	const struct bad_copy creates[] = {
		{ PORTRES_IOC_CREATE_PERSISTENT, &p, sizeof(p), 0, 0, 0 },
		{ PORTRES_IOC_CREATE_PERSISTENT, &p, sizeof(p), 16, RW, PROT_READ },
		{ PORTRES_IOC_CREATE_PERSISTENT, &p, sizeof(p), 16, RW, PROT_NONE },
		{ PORTRES_IOC_CREATE_PERSISTENT, &given, sizeof(given), 0, 0, 0 },
	};
	/* Lookup of an existing block into read-only memory; delete. */
	const struct bad_copy lookups[] = {
		{ PORTRES_IOC_LOOKUP_PERSISTENT, &p, sizeof(p), 0, 0, 0 },
		{ PORTRES_IOC_LOOKUP_PERSISTENT, &p, sizeof(p), 24, RW, PROT_READ },
		{ PORTRES_IOC_DELETE_PERSISTENT, &p, sizeof(p), 8, PROT_READ,
		  PROT_NONE },
	};

	given.flags = PORTRES_F_GIVEN_TOKEN;
	given.token = 0x0123456789abcdefULL;
	ctl = xctl_open();
	snap_take(&before);
	all_efault(_metadata, ctl, ctl_cmds);
	/* Nothing may be created. */
	efault_copies(_metadata, ctl, creates, ARRAY_SIZE(creates));
	snap_same(_metadata, &before, "a faulting create");
	ASSERT_ERRNO(plookup(ctl, TCP, 12100, 3, NULL), -ENOENT);
	fd = xsock(AF_INET, TCP);
	ASSERT_ERRNO(associate(fd, given.token), -ENOENT);
	ASSERT_OK(bind_port(fd, 12101));
	close(fd);

	tok = xpcreate(ctl, TCP, 12100, 3);
	snap_take(&before);
	efault_copies(_metadata, ctl, lookups, ARRAY_SIZE(lookups));
	snap_same(_metadata, &before, "a faulting lookup or delete");
	ASSERT_OK(plookup(ctl, TCP, 12100, 3, &out));
	ASSERT_EQ(tok, out.token) TH_LOG("token changed");
	/* Delete only reads: read-only (and straddling) memory is fine. */
	ASSERT_OK(io(ctl, PORTRES_IOC_DELETE_PERSISTENT,
		     straddle(&p, sizeof(p), 8, PROT_READ, PROT_READ)));
	ASSERT_ERRNO(plookup(ctl, TCP, 12100, 3, NULL), -ENOENT);
	close(ctl);
}

/* ---- unaligned pointers work ---- */

PORTRES_FIXTURE(unaligned, PORTRES_NETNS);

/* The requests at buf + offset; the control device's too, but at the end. */
FIXTURE_VARIANT(unaligned) {
	int offset;
	int family, proto;	/* of the acquiring socket */
};

FIXTURE_VARIANT_ADD(unaligned, offset_1_tcp_ipv4) {
	.offset = 1, .family = AF_INET, .proto = TCP,
};

FIXTURE_VARIANT_ADD(unaligned, offset_3_tcp_ipv6) {
	.offset = 3, .family = AF_INET6, .proto = TCP,
};

FIXTURE_VARIANT_ADD(unaligned, offset_5_udp_ipv4) {
	.offset = 5, .family = AF_INET, .proto = UDP,
};

FIXTURE_VARIANT_ADD(unaligned, offset_7_udp_ipv6) {
	.offset = 7, .family = AF_INET6, .proto = UDP,
};

/* A struct that ends one byte before the end of the page. */
FIXTURE_VARIANT_ADD(unaligned, page_end_tcp_ipv4) {
	.offset = PAGE - 16 - 1, .family = AF_INET, .proto = TCP,
};

TEST_F(unaligned, pointers_work)
{
	struct inet_port_reservation_instance in = inst_req(12200, 2), got;
	struct inet_port_reservation_token tok;
	struct portres_persistent p, pout;
	char *buf = pages(1), *at = buf + variant->offset;
	int r = xsock(variant->family, variant->proto);
	int a = xsock(AF_INET, variant->proto);
	int ctl = xctl_open();

	memcpy(at, &in, sizeof(in));
	ASSERT_OK(io(r, SIO_ACQUIRE_PORT_RESERVATION, at));
	memcpy(&got, at, sizeof(got));
	ASSERT_EQ(12200, ntohs(got.reservation.start_port));
	ASSERT_EQ(2, got.reservation.number_of_ports);
	ASSERT_NE(0, got.token.token);
	tok = got.token;
	memcpy(at + 1, &tok, sizeof(tok));
	ASSERT_OK(io(a, SIO_ASSOCIATE_PORT_RESERVATION, at + 1));
	ASSERT_OK(bind_port(a, 0));
	ASSERT_PORT_IN(a, 12200, 2);
	ASSERT_OK(io(r, SIO_RELEASE_PORT_RESERVATION, at + 1));
	ASSERT_ERRNO(release(r, tok.token), -ENOENT);
	close(a);
	close(r);

	/* The control device too. */
	if (variant->offset > PAGE / 2)
		at = buf + PAGE - sizeof(p) - 1;
	p = preq(variant->proto, 12200, 2, 1000, ANY_ID);
	memcpy(at, &p, sizeof(p));
	ASSERT_OK(io(ctl, PORTRES_IOC_CREATE_PERSISTENT, at));
	memcpy(&pout, at, sizeof(pout));
	ASSERT_NE(0, pout.token) TH_LOG("create gave token 0");
	memcpy(at, &p, sizeof(p));
	ASSERT_OK(io(ctl, PORTRES_IOC_LOOKUP_PERSISTENT, at));
	memcpy(&p, at, sizeof(p));
	ASSERT_EQ(pout.token, p.token);
	ASSERT_EQ(1000, p.allowed_uid);
	ASSERT_OK(io(ctl, PORTRES_IOC_DELETE_PERSISTENT, at));
	ASSERT_ERRNO(plookup(ctl, variant->proto, 12200, 2, NULL), -ENOENT);
	close(ctl);
}

/* ---- counts ---- */

/* Every port: the test's own namespace has nothing else reserved. */
TEST_F(badinput, whole_port_space)
{
	struct inet_port_reservation_instance got;
	struct portset ps, empty;
	int lo, hi, t, u, ctl, i, n;

	t = xsock(AF_INET, TCP);
	u = xsock(AF_INET6, UDP);
	ctl = xctl_open();
	portset_clear(&empty);

	/* 65535 ports from port 1: the largest valid block. */
	ASSERT_OK(acquire(t, 1, 65535, &got));
	ASSERT_EQ(1, ntohs(got.reservation.start_port));
	ASSERT_EQ(65535, got.reservation.number_of_ports);
	ASSERT_NE(0, got.token.token);
	xreserved_ports_read(&ps);
	for (i = 1, n = 0; i < 65536; i++)
		n += portset_test(&ps, i);
	ASSERT_EQ(65535, n) TH_LOG("ports in ip_local_reserved_ports");
	ASSERT_ERRNO(acquire(t, 65535, 1, NULL), -EADDRINUSE);
	ASSERT_ERRNO(acquire(t, 0, 1, NULL), -ENOSPC);
	ASSERT_ERRNO(pcreate(ctl, TCP, 40000, 1, ANY_ID, ANY_ID, NULL),
		     -EADDRINUSE);
	/* UDP has its own port space. */
	ASSERT_OK(pcreate(ctl, UDP, 1, 65535, ANY_ID, ANY_ID, NULL));
	ASSERT_ERRNO(acquire(u, 0, 1, NULL), -ENOSPC);
	ASSERT_OK(pdelete(ctl, UDP, 1, 65535));
	ASSERT_OK(release(t, got.token.token));
	xreserved_ports_read(&ps);
	ASSERT_EQ(0, memcmp(&ps, &empty, sizeof(ps)))
		TH_LOG("bits left after the whole space was released");

	/* One more than fits. */
	ASSERT_ERRNO(acquire(t, 2, 65535, NULL), -EINVAL);
	ASSERT_ERRNO(acquire(u, 65535, 2, NULL), -EINVAL);
	ASSERT_ERRNO(pcreate(ctl, UDP, 2, 65535, ANY_ID, ANY_ID, NULL), -EINVAL);

	/* Wildcards: the local port range is the limit. */
	get_port_range(&lo, &hi);
	ASSERT_ERRNO(acquire(u, 0, 65535, NULL), -ENOSPC);
	ASSERT_ERRNO(acquire(u, 0, hi - lo + 2, NULL), -ENOSPC);
	ASSERT_OK(acquire(u, 0, hi - lo + 1, &got));
	ASSERT_EQ(lo, ntohs(got.reservation.start_port))
		TH_LOG("the whole local range %d-%d", lo, hi);
	ASSERT_ERRNO(acquire(u, 0, 1, NULL), -ENOSPC);
	ASSERT_OK(release(u, got.token.token));
	ASSERT_OK(acquire(u, 65535, 1, NULL));
	close(t);
	close(u);
	close(ctl);
}

TEST_F(badinput, zero_counts_are_einval)
{
	struct inet_port_reservation_instance in;
	int t, u, ctl;

	t = xsock(AF_INET, TCP);
	u = xsock(AF_INET6, UDP);
	ctl = xctl_open();
	ASSERT_ERRNO(acquire(t, 12300, 0, NULL), -EINVAL);
	ASSERT_ERRNO(acquire(u, 0, 0, NULL), -EINVAL);
	ASSERT_ERRNO(acquire(t, 0, 0, NULL), -EINVAL);
	ASSERT_ERRNO(pcreate(ctl, UDP, 12300, 0, ANY_ID, ANY_ID, NULL), -EINVAL);
	ASSERT_ERRNO(pcreate(ctl, TCP, 1, 0, ANY_ID, ANY_ID, NULL), -EINVAL);
	/* 0 stays 0: the instance is not rewritten on failure. */
	in = inst_req(12300, 0);
	in.token.token = 0x77;
	ASSERT_ERRNO(io(t, SIO_ACQUIRE_PORT_RESERVATION, &in), -EINVAL);
	ASSERT_EQ(0x77, in.token.token) TH_LOG("a refused acquire wrote a token");
	ASSERT_EQ(0, in.reservation.number_of_ports);
	close(t);
	close(u);
	close(ctl);
}

/* ---- tokens ---- */

TEST_F(badinput, tokens_zero_random_and_stale_are_enoent)
{
	int r, a, u, ctl, i;
	uint64_t t, pt, rnd;

	r = xsock(AF_INET, TCP);
	a = xsock(AF_INET6, TCP);
	u = xsock(AF_INET, UDP);
	ctl = xctl_open();
	xacquire(r, 12400, 2, NULL);	/* something to be confused with */
	ASSERT_ERRNO(associate(a, 0), -ENOENT);
	ASSERT_ERRNO(release(r, 0), -ENOENT);
	ASSERT_ERRNO(associate(u, 0), -ENOENT);
	ASSERT_ERRNO(release(u, 0), -ENOENT);
	for (i = 0; i < 64; i++) {
		ASSERT_EQ(sizeof(rnd), getrandom(&rnd, sizeof(rnd), 0));
		ASSERT_ERRNO(associate(i & 1 ? u : a, rnd), -ENOENT)
			TH_LOG("token %016llx", (unsigned long long)rnd);
		ASSERT_ERRNO(release(i & 1 ? u : r, rnd), -ENOENT)
			TH_LOG("token %016llx", (unsigned long long)rnd);
		ASSERT_ERRNO(associate(a, 1ULL << i), -ENOENT)
			TH_LOG("bit %d", i);
		ASSERT_ERRNO(associate(a, ~0ULL ^ (1ULL << i)), -ENOENT)
			TH_LOG("all bits but %d", i);
	}
	/* Released: stale. */
	t = xacquire(r, 12410, 2, NULL);
	xrelease(r, t);
	ASSERT_ERRNO(associate(a, t), -ENOENT);
	ASSERT_ERRNO(release(r, t), -ENOENT);
	/* Ended by closing its socket: stale. */
	i = xsock(AF_INET, TCP);
	t = xacquire(i, 12420, 2, NULL);
	close(i);
	ASSERT_ERRNO(associate(a, t), -ENOENT);
	ASSERT_ERRNO(release(r, t), -ENOENT);
	/* A deleted persistent reservation: stale. */
	pt = xpcreate(ctl, TCP, 12430, 2);
	xpdelete(ctl, TCP, 12430, 2);
	ASSERT_ERRNO(associate(a, pt), -ENOENT);
	ASSERT_ERRNO(release(r, pt), -ENOENT);
	/* Still usable after all that: a has not been associated. */
	t = xacquire(r, 12440, 2, NULL);
	ASSERT_OK(associate(a, t));
	ASSERT_OK(bind_port(a, 0));
	ASSERT_PORT_IN(a, 12440, 2);
	close(a);
	close(r);
	close(u);
	close(ctl);
}

/* ---- socket kinds ---- */

/* All three socket ioctls on fd give want; nothing is reserved. */
static void all_three(struct __test_metadata *_metadata, int fd, int want,
		      const char *what)
{
	struct inet_port_reservation_instance in = inst_req(12500, 1);
	struct inet_port_reservation_token tok = { 1 };
	static struct snap before;

	snap_take(&before);
	ASSERT_ERRNO(io(fd, SIO_ACQUIRE_PORT_RESERVATION, &in), want)
		TH_LOG("%s", what);
	ASSERT_ERRNO(io(fd, SIO_ASSOCIATE_PORT_RESERVATION, &tok), want)
		TH_LOG("%s", what);
	ASSERT_ERRNO(io(fd, SIO_RELEASE_PORT_RESERVATION, &tok), want)
		TH_LOG("%s", what);
	/* Even with a bad pointer the answer is about the socket. */
	ASSERT_ERRNO(io(fd, SIO_ACQUIRE_PORT_RESERVATION, NULL), want)
		TH_LOG("%s", what);
	snap_same(_metadata, &before, what);
}

/*
 * Sockets that are not TCP or UDP: not inet (never reaches inet_ioctl, so
 * the core's ENOTTY), or inet with another protocol (EOPNOTSUPP). SCTP is a
 * module and UDP-Lite is gone since Linux 7.0: where socket() says the
 * kernel has no such protocol, there is nothing to check beyond that.
 */
PORTRES_FIXTURE(socket_kind, PORTRES_NETNS);

FIXTURE_VARIANT(socket_kind) {
	int family, type, proto;
	int want;
	bool may_be_missing;
	const char *name;
};

#define NOT_INET(f, t, p, n)	.family = f, .type = t, .proto = p, \
				.want = -ENOTTY, .name = n
#define OTHER_INET(f, t, p, n)	.family = f, .type = t, .proto = p, \
				.want = -EOPNOTSUPP, .may_be_missing = true, \
				.name = n

FIXTURE_VARIANT_ADD(socket_kind, unix_stream) {
	NOT_INET(AF_UNIX, SOCK_STREAM, 0, "unix stream")
};
FIXTURE_VARIANT_ADD(socket_kind, unix_datagram) {
	NOT_INET(AF_UNIX, SOCK_DGRAM, 0, "unix datagram")
};
FIXTURE_VARIANT_ADD(socket_kind, unix_seqpacket) {
	NOT_INET(AF_UNIX, SOCK_SEQPACKET, 0, "unix seqpacket")
};
FIXTURE_VARIANT_ADD(socket_kind, netlink_route) {
	NOT_INET(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, "netlink route")
};
FIXTURE_VARIANT_ADD(socket_kind, netlink_generic) {
	NOT_INET(AF_NETLINK, SOCK_DGRAM, NETLINK_GENERIC, "netlink generic")
};
FIXTURE_VARIANT_ADD(socket_kind, packet_raw) {
	NOT_INET(AF_PACKET, SOCK_RAW, ETH_P_ALL, "packet raw")
};
FIXTURE_VARIANT_ADD(socket_kind, packet_datagram) {
	NOT_INET(AF_PACKET, SOCK_DGRAM, ETH_P_ALL, "packet datagram")
};
FIXTURE_VARIANT_ADD(socket_kind, packet_raw_ipv4_only) {
	NOT_INET(AF_PACKET, SOCK_RAW, ETH_P_IP, "packet raw, IPv4 only")
};
FIXTURE_VARIANT_ADD(socket_kind, udplite_ipv4) {
	OTHER_INET(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE, "IPv4 UDP-Lite")
};
FIXTURE_VARIANT_ADD(socket_kind, udplite_ipv6) {
	OTHER_INET(AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE, "IPv6 UDP-Lite")
};
FIXTURE_VARIANT_ADD(socket_kind, mptcp_ipv4) {
	OTHER_INET(AF_INET, SOCK_STREAM, IPPROTO_MPTCP, "IPv4 MPTCP")
};
FIXTURE_VARIANT_ADD(socket_kind, mptcp_ipv6) {
	OTHER_INET(AF_INET6, SOCK_STREAM, IPPROTO_MPTCP, "IPv6 MPTCP")
};
FIXTURE_VARIANT_ADD(socket_kind, sctp_stream_ipv4) {
	OTHER_INET(AF_INET, SOCK_STREAM, IPPROTO_SCTP, "IPv4 SCTP stream")
};
FIXTURE_VARIANT_ADD(socket_kind, sctp_seqpacket_ipv4) {
	OTHER_INET(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP, "IPv4 SCTP seqpacket")
};
FIXTURE_VARIANT_ADD(socket_kind, sctp_stream_ipv6) {
	OTHER_INET(AF_INET6, SOCK_STREAM, IPPROTO_SCTP, "IPv6 SCTP stream")
};

TEST_F(socket_kind, ioctls_refused)
{
	int fd = socket(variant->family, variant->type | SOCK_CLOEXEC,
			variant->family == AF_PACKET ? htons(variant->proto) :
			variant->proto);
	int err = errno;

	if (fd < 0 && variant->may_be_missing &&
	    (err == EPROTONOSUPPORT || err == ESOCKTNOSUPPORT ||
	     err == ENOPROTOOPT)) {
		diag("%s not available in this kernel (%s): not checked",
		     variant->name, errname(err));
		return;
	}
	ASSERT_LE(0, fd) TH_LOG("socket: %s", errname(err));
	all_three(_metadata, fd, variant->want, variant->name);
	close(fd);
}

/* ---- socket states ---- */

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

static void wait_tcp_state(struct __test_metadata *_metadata, int fd,
			   int state)
{
	int i;

	for (i = 0; i < 2000 && tcp_state(fd) != state; i++)
		usleep(1000);
	ASSERT_EQ(state, tcp_state(fd)) TH_LOG("TCP state");
}

/*
 * Acquire works on a TCP or UDP socket in any state; associate is EINVAL
 * when the socket holds a port (want -EINVAL), else it works (want 0).
 * Either way the answer agrees with bind(): an associated socket's bind(0)
 * takes a port of the block, a refused one's bind() is EINVAL too. The
 * reservation made is a working one (an outsider's bind is EACCES).
 */
static void state_case(struct __test_metadata *_metadata, int fd,
		       uint16_t port, const char *what, int want)
{
	struct inet_port_reservation_instance got;
	int o, err;
	uint64_t t;

	ASSERT_OK(acquire(fd, port, 2, &got)) TH_LOG("%s", what);
	t = got.token.token;
	ASSERT_NE(0, t) TH_LOG("%s", what);
	ASSERT_EQ(port, ntohs(got.reservation.start_port)) TH_LOG("%s", what);
	o = xsock(AF_INET, sock_proto(fd));
	err = bind_port(o, port + 1);
	close(o);
	ASSERT_ERRNO(err, -EACCES) TH_LOG("%s: outsider bind into the block", what);
	err = associate(fd, t);
	ASSERT_ERRNO(err, want) TH_LOG("%s: associate", what);
	if (!err) {
		ASSERT_OK(bind_port(fd, 0)) TH_LOG("%s: associated bind(0)", what);
		ASSERT_TRUE(port_in(local_port(fd), port, 2))
			TH_LOG("%s: associated bind(0): port %d", what,
			       local_port(fd));
	} else {
		ASSERT_ERRNO(bind_port(fd, 12690), -EINVAL)
			TH_LOG("%s: associate said bound, bind() does not", what);
	}
	ASSERT_OK(release(fd, t)) TH_LOG("%s", what);
}

TEST_F(badinput, socket_states_listening_connected_shut_down)
{
	int l, c, s, u, v, x, y, z;

	/* Listening. */
	l = xlistener(AF_INET6, 12600);
	state_case(_metadata, l, 12610, "listening", -EINVAL);
	/* Connected client (autobound) and the accepted socket. */
	c = xsock(AF_INET, TCP);
	ASSERT_OK(connect_port(c, 12600));
	s = xaccept(l);
	state_case(_metadata, c, 12612, "connected client", -EINVAL);
	state_case(_metadata, s, 12614, "accepted", -EINVAL);
	/* Shut down both ways; the peer has not closed: FIN_WAIT2, bound. */
	ASSERT_OK(shutdown(c, SHUT_RDWR) ? -errno : 0);
	wait_tcp_state(_metadata, c, TCP_FIN_WAIT2);
	state_case(_metadata, c, 12616, "client shut down (FIN_WAIT2)", -EINVAL);
	/*
	 * The peer shuts down too: the accepted socket goes LAST_ACK ->
	 * CLOSED and gives its port back (it never bound one itself), so it
	 * is unbound for bind() and for associate.
	 */
	ASSERT_OK(shutdown(s, SHUT_WR) ? -errno : 0);
	wait_tcp_state(_metadata, s, TCP_CLOSE);
	state_case(_metadata, s, 12618, "accepted, shut down and closed", 0);
	/*
	 * The client's port now lives in a TIME_WAIT entry; the socket itself
	 * is CLOSED and unbound for the kernel (bind() would work), although
	 * getsockname() still shows the old port: associate works.
	 */
	wait_tcp_state(_metadata, c, TCP_CLOSE);
	state_case(_metadata, c, 12620, "client after TIME_WAIT took its port", 0);
	/* A listener that was shut down: CLOSED, still bound to its port. */
	ASSERT_OK(shutdown(l, SHUT_RDWR) ? -errno : 0);
	state_case(_metadata, l, 12622, "listener after shutdown", -EINVAL);
	/* Unbound, shutdown() refused: still a plain fresh socket. */
	x = xsock(AF_INET, TCP);
	ASSERT_ERRNO(shutdown(x, SHUT_RDWR) ? -errno : 0, -ENOTCONN);
	state_case(_metadata, x, 12624, "fresh TCP after failed shutdown", 0);
	/* A refused connect gives the autobound port back. */
	y = xsock(AF_INET, TCP);
	ASSERT_ERRNO(connect_port(y, 12699), -ECONNREFUSED);
	state_case(_metadata, y, 12626, "TCP after refused connect", 0);
	/* Explicitly bound, then a refused connect: keeps its port. */
	z = xsock(AF_INET6, TCP);
	ASSERT_OK(bind_port(z, 12698));
	ASSERT_ERRNO(connect_port(z, 12699), -ECONNREFUSED);
	state_case(_metadata, z, 12628, "bound TCP after refused connect", -EINVAL);
	/* UDP: bound, connected, connected then shut down. */
	u = xsock(AF_INET, UDP);
	ASSERT_OK(bind_port(u, 12630));
	state_case(_metadata, u, 12632, "bound UDP", -EINVAL);
	v = xsock(AF_INET6, UDP);
	ASSERT_OK(connect_port(v, 12630));
	state_case(_metadata, v, 12634, "connected UDP", -EINVAL);
	ASSERT_OK(shutdown(v, SHUT_RDWR) ? -errno : 0);
	state_case(_metadata, v, 12636, "connected UDP after shutdown", -EINVAL);
	close(c);
	close(s);
	close(l);
	close(u);
	close(v);
	close(x);
	close(y);
	close(z);
}

/* ---- file descriptors ---- */

TEST_F(badinput, closed_and_non_socket_fds)
{
	char path[] = "/tmp/badinput.XXXXXX";
	int fds[5], pp[2], i, closed, ctl, s;
	const char *names[5] = {
		"regular file", "/dev/null", "eventfd", "pipe", "/dev/portres",
	};
	struct portres_persistent p = preq(TCP, 12700, 1, ANY_ID, ANY_ID);
	static struct snap before;

	fds[0] = mkostemp(path, O_CLOEXEC);
	ASSERT_LE(0, fds[0]) TH_LOG("mkstemp: %s", strerror(errno));
	unlink(path);
	fds[1] = open("/dev/null", O_RDWR | O_CLOEXEC);
	fds[2] = eventfd(0, EFD_CLOEXEC);
	ASSERT_OK(pipe2(pp, O_CLOEXEC) ? -errno : 0);
	fds[3] = pp[0];
	fds[4] = xctl_open();
	ctl = fds[4];
	s = xsock(AF_INET, TCP);
	/* Not files of ours (an epoll fd has ioctls of its own since 6.9). */
	for (i = 0; i < 5; i++) {
		ASSERT_LE(0, fds[i]) TH_LOG("%s: %s", names[i], strerror(errno));
		all_three(_metadata, fds[i], -ENOTTY, names[i]);
	}
	/* Closed: nothing may reuse the number before the checks. */
	closed = xsock(AF_INET, TCP);
	close(closed);
	all_three(_metadata, closed, -EBADF, "closed fd");
	ASSERT_ERRNO(io(closed, PORTRES_IOC_CREATE_PERSISTENT, &p), -EBADF);
	all_three(_metadata, -1, -EBADF, "fd -1");
	all_three(_metadata, 100000, -EBADF, "fd 100000");

	/* Control-device ioctls on a socket or another file: ENOTTY. */
	snap_take(&before);
	ASSERT_ERRNO(io(s, PORTRES_IOC_CREATE_PERSISTENT, &p), -ENOTTY);
	ASSERT_ERRNO(io(s, PORTRES_IOC_LOOKUP_PERSISTENT, &p), -ENOTTY);
	ASSERT_ERRNO(io(fds[1], PORTRES_IOC_CREATE_PERSISTENT, &p), -ENOTTY);
	ASSERT_ERRNO(io(fds[0], PORTRES_IOC_CREATE_PERSISTENT, &p), -ENOTTY);
	snap_same(_metadata, &before, "control ioctls on other files");
	ASSERT_ERRNO(plookup(ctl, TCP, 12700, 1, NULL), -ENOENT);
	close(s);
	close(pp[1]);
	for (i = 0; i < 5; i++)
		close(fds[i]);
}

/* ---- ioctl numbers ---- */

#define NR_REAL		3
#define MAX_BAD		160

/*
 * Numbers that resemble one of a device's real ones (real[], of one type,
 * numbers next to each other) but are not: every direction and size
 * (none, those of the uapi structs, 8/24/40 bytes) with each real number
 * and with the numbers just before and after them, and each real number
 * with another type. Into bad[]; returns how many (MAX_BAD + NR_REAL:
 * more would have come).
 */
static size_t misencoded(const unsigned long real[NR_REAL],
			 unsigned long bad[MAX_BAD + NR_REAL])
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	static const unsigned int sizes[] = {
		0, 8, 16, 24, 32, 40,
		sizeof(struct inet_port_reservation_token),
		sizeof(struct inet_port_reservation_instance),
		sizeof(struct portres_persistent),
	};
	unsigned int lo = _IOC_NR(real[0]), hi = _IOC_NR(real[NR_REAL - 1]);
	unsigned int nr, d, s, i;
	size_t n = 0;

	for (nr = lo - 1; nr <= hi + 1; nr++) {
		for (d = 0; d < ARRAY_SIZE(dirs); d++) {
			for (s = 0; s < ARRAY_SIZE(sizes); s++) {
				unsigned long c = _IOC(dirs[d], _IOC_TYPE(real[0]),
						       nr, sizes[s]);

				for (i = 0; i < NR_REAL && c != real[i]; i++)
					;
				if (i < NR_REAL)
					continue;	/* a real one */
				for (i = 0; i < n && bad[i] != c; i++)
					;
				if (i == n && n < MAX_BAD)
					bad[n++] = c;	/* a new one */
			}
		}
	}
	for (i = 0; i < NR_REAL; i++)
		bad[n++] = _IOC(_IOC_DIR(real[i]), 'K', _IOC_NR(real[i]),
				_IOC_SIZE(real[i]));
	return n;
}

TEST_F(badinput, unknown_and_misencoded_ioctl_numbers_are_enotty)
{
	/* Each argument is a valid request for what the number resembles. */
	static union {
		struct portres_persistent p;
		struct inet_port_reservation_instance in;
		char pad[64];
	} arg;
	static struct snap before;
	unsigned long ctl_bad[MAX_BAD + 2 * NR_REAL + 3];
	unsigned long sock_bad[MAX_BAD + 2 * NR_REAL];
	size_t i, nctl, nsock;
	int ctl, t, u;

	/* The other device's numbers; and unrelated ones. */
	nctl = misencoded(ctl_cmds, ctl_bad);
	nsock = misencoded(sock_cmds, sock_bad);
	ASSERT_GT(MAX_BAD + NR_REAL, nctl);
	ASSERT_GT(MAX_BAD + NR_REAL, nsock);
	for (i = 0; i < NR_REAL; i++) {
		ctl_bad[nctl++] = sock_cmds[i];
		sock_bad[nsock++] = ctl_cmds[i];
	}
	ctl_bad[nctl++] = FIONREAD;
	ctl_bad[nctl++] = 0;
	ctl_bad[nctl++] = 0xffffffffUL;

	ctl = xctl_open();
	t = xsock(AF_INET, TCP);
	u = xsock(AF_INET6, UDP);
	snap_take(&before);
	for (i = 0; i < nctl; i++) {
		arg.p = preq(TCP, 12800, 2, ANY_ID, ANY_ID);
		ASSERT_ERRNO(io(ctl, ctl_bad[i], &arg), -ENOTTY)
			TH_LOG("/dev/portres ioctl %#lx", ctl_bad[i]);
	}
	for (i = 0; i < nsock; i++) {
		memset(&arg, 0, sizeof(arg));
		arg.in = inst_req(12800, 2);
		ASSERT_ERRNO(io(i & 1 ? u : t, sock_bad[i], &arg), -ENOTTY)
			TH_LOG("socket ioctl %#lx", sock_bad[i]);
	}
	diag("%zu /dev/portres and %zu socket ioctl numbers refused", nctl,
	     nsock);
	snap_same(_metadata, &before, "mis-encoded ioctls");
	/* The real numbers still work on the same files. */
	ASSERT_OK(acquire(t, 12800, 2, NULL));
	ASSERT_OK(pcreate(ctl, UDP, 12800, 2, ANY_ID, ANY_ID, NULL));
	ASSERT_OK(pdelete(ctl, UDP, 12800, 2));
	close(t);
	close(u);
	close(ctl);
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

TEST_F(badinput, uring_cmd_bad_input)
{
	struct inet_port_reservation_instance in = inst_req(12900, 2), got;
	struct inet_port_reservation_token tok = { 0 };
	static struct snap before;
	char path[] = "/tmp/badinput.XXXXXX";
	int ctl, t, u, file, nul, efd, un, raw, closed, err;
	char *buf = pages(1);

	err = io_uring_queue_init(8, &ring, 0);
	ASSERT_OK(err) TH_LOG("io_uring_queue_init");
	ctl = xctl_open();
	t = xsock(AF_INET, TCP);
	u = xsock(AF_INET6, UDP);
	file = mkostemp(path, O_CLOEXEC);
	ASSERT_LE(0, file) TH_LOG("mkstemp: %s", strerror(errno));
	unlink(path);
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	efd = eventfd(0, EFD_CLOEXEC);
	un = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	ASSERT_TRUE(nul >= 0 && efd >= 0 && un >= 0 && raw >= 0)
		TH_LOG("set-up: %s", strerror(errno));
	closed = xsock(AF_INET, TCP);
	close(closed);
	snap_take(&before);

	/* Not a socket: ENOTSOCK; no file: EBADF. */
	ASSERT_ERRNO(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, file, 0, &in), -ENOTSOCK);
	ASSERT_ERRNO(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, nul, 0, &in), -ENOTSOCK);
	ASSERT_ERRNO(ucmd(ctl, SIO_ASSOCIATE_PORT_RESERVATION, efd, 0, &tok), -ENOTSOCK);
	ASSERT_ERRNO(ucmd(ctl, SIO_RELEASE_PORT_RESERVATION, ctl, 0, &tok), -ENOTSOCK);
	ASSERT_ERRNO(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, closed, 0, &in), -EBADF);
	ASSERT_ERRNO(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, -1, 0, &in), -EBADF);
	/* A socket, but not TCP/UDP: EOPNOTSUPP (unix included, here). */
	ASSERT_ERRNO(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, un, 0, &in), -EOPNOTSUPP);
	ASSERT_ERRNO(ucmd(ctl, SIO_ASSOCIATE_PORT_RESERVATION, raw, 0, &tok), -EOPNOTSUPP);
	/* Bad pointers. */
	ASSERT_ERRNO(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0, NULL), -EFAULT);
	ASSERT_ERRNO(ucmd(ctl, SIO_ASSOCIATE_PORT_RESERVATION, t, 0, NULL), -EFAULT);
	ASSERT_ERRNO(ucmd(ctl, SIO_RELEASE_PORT_RESERVATION, u, 0, NULL), -EFAULT);
	ASSERT_ERRNO(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, u, 0, unmapped()), -EFAULT);
	ASSERT_ERRNO(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0,
			  ro_copy(&in, sizeof(in))), -EFAULT);
	ASSERT_ERRNO(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, u, 0,
			  straddle(&in, sizeof(in), 8, PROT_READ | PROT_WRITE,
				   PROT_READ)), -EFAULT);
	ASSERT_ERRNO(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0,
			  (void *)0xffffffff81000000UL), -EFAULT);
	/* Unknown operations and flags. */
	ASSERT_ERRNO(ucmd(ctl, PORTRES_IOC_CREATE_PERSISTENT, t, 0, &in), -ENOTTY);
	ASSERT_ERRNO(ucmd(ctl, 0, t, 0, &in), -ENOTTY);
	ASSERT_ERRNO(ucmd(ctl, _IOC(_IOC_READ | _IOC_WRITE, PORTRES_IOC_MAGIC, 0x01, 24), t, 0,
			  &in), -ENOTTY);
	ASSERT_ERRNO(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0x2, &in), -EINVAL);
	ASSERT_ERRNO(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0x80000000U, &in),
		     -EINVAL);
	ASSERT_ERRNO(ucmd(ctl, SIO_ASSOCIATE_PORT_RESERVATION, t, PORTRES_F_WAIT,
			  &tok), -EINVAL);
	ASSERT_ERRNO(ucmd(ctl, SIO_RELEASE_PORT_RESERVATION, t, PORTRES_F_WAIT,
			  &tok), -EINVAL);
	/* Zero count, token 0. */
	in.reservation.number_of_ports = 0;
	ASSERT_ERRNO(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0, &in), -EINVAL);
	in.reservation.number_of_ports = 2;
	ASSERT_ERRNO(ucmd(ctl, SIO_ASSOCIATE_PORT_RESERVATION, u, 0, &tok), -ENOENT);
	ASSERT_ERRNO(ucmd(ctl, SIO_RELEASE_PORT_RESERVATION, t, 0, &tok), -ENOENT);
	snap_same(_metadata, &before, "refused io_uring commands");

	/* Unaligned works, and so do read-only inputs. */
	memcpy(buf + 3, &in, sizeof(in));
	ASSERT_OK(ucmd(ctl, SIO_ACQUIRE_PORT_RESERVATION, t, 0, buf + 3));
	memcpy(&got, buf + 3, sizeof(got));
	ASSERT_EQ(12900, ntohs(got.reservation.start_port));
	ASSERT_NE(0, got.token.token);
	tok = got.token;
	ASSERT_OK(ucmd(ctl, SIO_RELEASE_PORT_RESERVATION, t, 0,
		       ro_copy(&tok, sizeof(tok))));
	ASSERT_ERRNO(ucmd(ctl, SIO_RELEASE_PORT_RESERVATION, t, 0, &tok), -ENOENT);
	io_uring_queue_exit(&ring);
	close(ctl);
	close(t);
	close(u);
	close(file);
	close(nul);
	close(efd);
	close(un);
	close(raw);
}

TEST_HARNESS_MAIN
