// SPDX-License-Identifier: GPL-2.0
/*
 * A 32-bit process (built with gcc -m32 -static, run through the kernel's
 * IA32 emulation) using portres: the socket ioctls go through the inet and
 * inet6 compat_ioctl hooks, /dev/portres through its compat_ioctl. Acquire,
 * associate, bind and release work end to end for TCP and UDP over IPv4
 * and IPv6; persistent create, lookup and delete work; bad pointers give
 * EFAULT and leave nothing behind; unaligned pointers work; tokens 0 and
 * stale give ENOENT; unknown and mis-sized numbers and non-inet sockets give
 * ENOTTY, other inet sockets EOPNOTSUPP.
 *
 * Each test runs in a network namespace of its own (portres_test.h).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_test.h"
#include "persist_util.h"

#define TCP	IPPROTO_TCP
#define UDP	IPPROTO_UDP

/* This must be a 32-bit build, and the layouts must match the 64-bit ones. */
_Static_assert(sizeof(void *) == 4, "compat32 must be built with -m32");
_Static_assert(sizeof(struct inet_port_reservation_instance) == 16, "instance");
_Static_assert(offsetof(struct inet_port_reservation_instance, token) == 8,
	       "instance.token");
_Static_assert(sizeof(struct inet_port_reservation_token) == 8, "token");
_Static_assert(sizeof(struct portres_persistent) == 32, "persistent");
_Static_assert(offsetof(struct portres_persistent, token) == 24,
	       "persistent.token");
_Static_assert(sizeof(struct portres_uring_cmd) == 16, "uring cmd");

PORTRES_FIXTURE(compat32, PORTRES_NETNS);

/* Acquire, associate, bind and release, one family and protocol each. */
PORTRES_FIXTURE(end_to_end, PORTRES_NETNS);

FIXTURE_VARIANT(end_to_end) {
	int family;
	int proto;
	uint16_t start;		/* 0: a wildcard acquire */
};

FIXTURE_VARIANT_ADD(end_to_end, tcp_ipv4) {
	.family = AF_INET, .proto = TCP, .start = 13000,
};

FIXTURE_VARIANT_ADD(end_to_end, tcp_ipv6) {
	.family = AF_INET6, .proto = TCP, .start = 13010,
};

FIXTURE_VARIANT_ADD(end_to_end, udp_ipv4) {
	.family = AF_INET, .proto = UDP, .start = 13020,
};

FIXTURE_VARIANT_ADD(end_to_end, udp_ipv6) {
	.family = AF_INET6, .proto = UDP, .start = 13030,
};

FIXTURE_VARIANT_ADD(end_to_end, tcp_ipv4_wildcard) {
	.family = AF_INET, .proto = TCP, .start = 0,
};

FIXTURE_VARIANT_ADD(end_to_end, udp_ipv6_wildcard) {
	.family = AF_INET6, .proto = UDP, .start = 0,
};

TEST_F(end_to_end, acquire_associate_bind_release)
{
	struct inet_port_reservation_instance got;
	int proto = variant->proto, start = variant->start;
	int r = xsock(variant->family, proto), a[3], i, port;
	uint16_t first;
	uint64_t tok;

	ASSERT_OK(acquire(r, start, 3, &got));
	tok = got.token.token;
	first = ntohs(got.reservation.start_port);
	ASSERT_NE(0, tok);
	ASSERT_EQ(3, got.reservation.number_of_ports);
	ASSERT_TRUE(start ? first == start : first != 0)
		TH_LOG("granted from %u", first);
	ASSERT_TRUE(tok >> 32 || (uint32_t)tok)
		TH_LOG("token %016llx", (unsigned long long)tok);
	for (i = 0; i < 3; i++)
		ASSERT_TRUE(reserved(first + i))
			TH_LOG("port %u not reserved", first + i);
	ASSERT_ERRNO(outsider_bind(AF_INET, proto, first + 1), -EACCES);
	for (i = 0; i < 3; i++) {
		a[i] = xsock(i & 1 ? AF_INET6 : AF_INET, proto);
		ASSERT_OK(associate(a[i], tok));
		ASSERT_ERRNO(associate(a[i], tok), -EINVAL);	/* once only */
		ASSERT_OK(bind_port(a[i], 0));
		port = local_port(a[i]);
		ASSERT_TRUE(port_in(port, first, 3))
			TH_LOG("associated bind gave %d", port);
		ASSERT_ERRNO(associate(a[i], tok), -EINVAL);	/* bound */
	}
	i = xsock(AF_INET, proto);
	ASSERT_OK(associate(i, tok));
	ASSERT_ERRNO(bind_port(i, 0), -EADDRINUSE);	/* block full */
	close(i);
	ASSERT_OK(release(r, tok));
	ASSERT_ERRNO(release(r, tok), -ENOENT);
	ASSERT_ERRNO(associate(xsock(AF_INET, proto), tok), -ENOENT);
	ASSERT_FALSE(reserved(first)) TH_LOG("bit left after release");
	for (i = 0; i < 3; i++)
		close(a[i]);
	ASSERT_OK(outsider_bind(AF_INET6, proto, first + 1));
	close(r);
}

TEST_F(compat32, closing_the_socket_ends_the_reservation)
{
	int r = xsock(AF_INET, TCP), a = xsock(AF_INET, TCP);
	uint64_t tok;

	tok = xacquire(r, 13040, 2, NULL);
	xassociate(a, tok);
	close(r);
	ASSERT_FALSE(reserved(13040)) TH_LOG("bit left after close");
	ASSERT_ERRNO(bind_port(a, 0), -EADDRNOTAVAIL);
	close(a);
}

TEST_F(compat32, persistent_create_lookup_delete)
{
	static struct proc_listing l;
	struct portres_persistent out;
	const struct proc_line *pl;
	uint64_t tok, tok2;
	int ctl, fd, port;

	ctl = xctl_open();
	ASSERT_OK(pcreate(ctl, TCP, 13100, 4, 1000, 2000, &tok));
	ASSERT_TRUE(tok) TH_LOG("token 0");
	ASSERT_OK(plookup(ctl, TCP, 13100, 4, &out));
	ASSERT_TRUE(out.token == tok && out.allowed_uid == 1000 &&
		    out.allowed_gid == 2000 &&
		    ntohs(out.range.start_port) == 13100 &&
		    out.range.number_of_ports == 4)
		TH_LOG("lookup: token %016llx ids %u/%u",
		       (unsigned long long)out.token, out.allowed_uid,
		       out.allowed_gid);
	/* The 64-bit token is the same one the kernel shows. */
	ASSERT_OK(proc_read(PROC_RESV, &l));
	pl = proc_find(&l, "tcp", 13100);
	ASSERT_TRUE(pl && !strcmp(pl->f[PL_TOKEN], tok_hex(tok)))
		TH_LOG("listing: '%s', created %s",
		       pl ? pl->raw : "", tok_hex(tok));
	fd = xsock(AF_INET6, TCP);
	ASSERT_OK(associate(fd, tok));
	ASSERT_OK(bind_port(fd, 0));
	port = local_port(fd);
	ASSERT_TRUE(port_in(port, 13100, 4)) TH_LOG("bound to %d", port);
	close(fd);
	ASSERT_ERRNO(outsider_bind(AF_INET, TCP, 13103), -EACCES);
	/* Restore with a given 64-bit token. */
	ASSERT_OK(pdelete(ctl, TCP, 13100, 4));
	ASSERT_ERRNO(plookup(ctl, TCP, 13100, 4, NULL), -ENOENT);
	tok2 = 0xfedcba9876543210ULL;
	ASSERT_OK(pcreate_given(ctl, UDP, 13110, 2, tok2));
	ASSERT_OK(plookup(ctl, UDP, 13110, 2, &out));
	ASSERT_TRUE(out.token == tok2)
		TH_LOG("given token came back as %016llx",
		       (unsigned long long)out.token);
	ASSERT_ERRNO(pcreate_given(ctl, UDP, 13120, 1, tok2), -EEXIST);
	ASSERT_OK(pdelete(ctl, UDP, 13110, 2));
	/* Stale and zero tokens. */
	fd = xsock(AF_INET, TCP);
	ASSERT_ERRNO(associate(fd, tok), -ENOENT);
	ASSERT_ERRNO(associate(fd, 0), -ENOENT);
	ASSERT_ERRNO(release(fd, 0), -ENOENT);
	ASSERT_ERRNO(release(fd, tok), -ENOENT);
	close(fd);
	close(ctl);
}

TEST_F(compat32, bad_pointers_efault_and_leave_nothing)
{
	struct inet_port_reservation_instance in = { 0 };
	struct portres_persistent p = preq(TCP, 13200, 2, ANY_ID, ANY_ID);
	struct portset before, after;
	char *ro, *gone;
	int t, u, ctl;

	ctl = xctl_open();
	t = xsock(AF_INET, TCP);
	u = xsock(AF_INET6, UDP);
	in.reservation.start_port = htons(13200);
	in.reservation.number_of_ports = 2;
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(ro != MAP_FAILED && gone != MAP_FAILED) TH_LOG("mmap");
	memcpy(ro, &in, sizeof(in));
	memcpy(ro + 64, &p, sizeof(p));
	ASSERT_TRUE(mprotect(ro, 4096, PROT_READ) == 0 &&
		    munmap(gone, 4096) == 0)
		TH_LOG("mprotect/munmap: %s", strerror(errno));
	xreserved_ports_read(&before);

	ASSERT_ERRNO(ioctl_err(t, SIO_ACQUIRE_PORT_RESERVATION, NULL), -EFAULT);
	ASSERT_ERRNO(ioctl_err(u, SIO_ASSOCIATE_PORT_RESERVATION, NULL), -EFAULT);
	ASSERT_ERRNO(ioctl_err(t, SIO_RELEASE_PORT_RESERVATION, gone), -EFAULT);
	ASSERT_ERRNO(ioctl_err(u, SIO_ACQUIRE_PORT_RESERVATION, gone), -EFAULT);
	ASSERT_ERRNO(ioctl_err(t, SIO_ACQUIRE_PORT_RESERVATION, ro), -EFAULT);
	ASSERT_ERRNO(ioctl_err(u, SIO_ACQUIRE_PORT_RESERVATION, ro), -EFAULT);
	/* The top of the 32-bit address space is not the process's. */
	ASSERT_ERRNO(ioctl_err(t, SIO_ACQUIRE_PORT_RESERVATION,
			       (void *)0xfffff000UL), -EFAULT);
	ASSERT_ERRNO(ioctl_err(ctl, PORTRES_IOC_CREATE_PERSISTENT, NULL), -EFAULT);
	ASSERT_ERRNO(ioctl_err(ctl, PORTRES_IOC_LOOKUP_PERSISTENT, gone), -EFAULT);
	ASSERT_ERRNO(ioctl_err(ctl, PORTRES_IOC_DELETE_PERSISTENT, gone), -EFAULT);
	ASSERT_ERRNO(ioctl_err(ctl, PORTRES_IOC_CREATE_PERSISTENT, ro + 64),
		     -EFAULT);
	ASSERT_ERRNO(ioctl_err(ctl, PORTRES_IOC_CREATE_PERSISTENT,
			       (void *)0xfffff000UL), -EFAULT);
	xreserved_ports_read(&after);
	ASSERT_EQ(0, memcmp(&before, &after, sizeof(before)))
		TH_LOG("a faulting ioctl changed ip_local_reserved_ports");
	ASSERT_ERRNO(plookup(ctl, TCP, 13200, 2, NULL), -ENOENT);
	ASSERT_OK(outsider_bind(AF_INET, TCP, 13201));
	ASSERT_OK(outsider_bind(AF_INET, UDP, 13201));
	ASSERT_OK(acquire(t, 13200, 2, NULL));
	close(t);
	close(u);
	close(ctl);
}

TEST_F(compat32, unaligned_pointers_work)
{
	struct inet_port_reservation_instance in = { 0 }, got;
	struct inet_port_reservation_token tok;
	struct portres_persistent p = preq(UDP, 13310, 1, ANY_ID, ANY_ID), q;
	static char buf[256];
	int t, a, ctl;

	ctl = xctl_open();
	t = xsock(AF_INET, UDP);
	a = xsock(AF_INET6, UDP);
	in.reservation.start_port = htons(13300);
	in.reservation.number_of_ports = 2;
	memcpy(buf + 1, &in, sizeof(in));
	ASSERT_OK(ioctl_err(t, SIO_ACQUIRE_PORT_RESERVATION, buf + 1));
	memcpy(&got, buf + 1, sizeof(got));
	ASSERT_TRUE(got.token.token &&
		    ntohs(got.reservation.start_port) == 13300)
		TH_LOG("unaligned acquire gave %u",
		       ntohs(got.reservation.start_port));
	tok = got.token;
	memcpy(buf + 37, &tok, sizeof(tok));
	ASSERT_OK(ioctl_err(a, SIO_ASSOCIATE_PORT_RESERVATION, buf + 37));
	ASSERT_OK(bind_port(a, 0));
	ASSERT_PORT_IN(a, 13300, 2);
	ASSERT_OK(ioctl_err(t, SIO_RELEASE_PORT_RESERVATION, buf + 37));
	memcpy(buf + 67, &p, sizeof(p));
	ASSERT_OK(ioctl_err(ctl, PORTRES_IOC_CREATE_PERSISTENT, buf + 67));
	memcpy(&q, buf + 67, sizeof(q));
	ASSERT_TRUE(q.token) TH_LOG("unaligned create gave token 0");
	memcpy(buf + 131, &p, sizeof(p));
	ASSERT_OK(ioctl_err(ctl, PORTRES_IOC_LOOKUP_PERSISTENT, buf + 131));
	memcpy(&p, buf + 131, sizeof(p));
	ASSERT_TRUE(p.token == q.token)
		TH_LOG("unaligned lookup: %016llx, created %016llx",
		       (unsigned long long)p.token, (unsigned long long)q.token);
	ASSERT_OK(ioctl_err(ctl, PORTRES_IOC_DELETE_PERSISTENT, buf + 131));
	close(a);
	close(t);
	close(ctl);
}

struct blob24 { char b[24]; };
struct blob40 { char b[40]; };

TEST_F(compat32, wrong_numbers_and_sockets)
{
	static const struct { int family, type, proto, want; const char *name; } s[] = {
		{ AF_UNIX, SOCK_STREAM, 0, -ENOTTY, "unix" },
		{ AF_NETLINK, SOCK_RAW, 0, -ENOTTY, "netlink" },
		{ AF_INET, SOCK_RAW, IPPROTO_UDP, -EOPNOTSUPP, "IPv4 raw" },
		{ AF_INET6, SOCK_RAW, IPPROTO_TCP, -EOPNOTSUPP, "IPv6 raw" },
		{ AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE, -EOPNOTSUPP, "UDP-Lite" },
	};
	const unsigned long bad[] = {
		_IOWR(PORTRES_IOC_MAGIC, 0x01, struct blob24),
		_IOR(PORTRES_IOC_MAGIC, 0x01, struct inet_port_reservation_instance),
		_IOW(PORTRES_IOC_MAGIC, 0x02, struct blob24),
		_IOWR(PORTRES_IOC_MAGIC, 0x10, struct blob40),
		_IOW(PORTRES_IOC_MAGIC, 0x10, struct portres_persistent),
		_IOWR(PORTRES_IOC_MAGIC, 0x13, struct portres_persistent),
	};
	static union { struct portres_persistent p; char b[64]; } arg;
	struct inet_port_reservation_instance in = { 0 };
	struct portset before, after;
	int ctl, t, i, fd;

	ctl = xctl_open();
	t = xsock(AF_INET, TCP);
	xreserved_ports_read(&before);
	for (i = 0; i < (int)ARRAY_SIZE(bad); i++) {
		arg.p = preq(TCP, 13400, 1, ANY_ID, ANY_ID);
		ASSERT_ERRNO(ioctl_err(ctl, bad[i], &arg), -ENOTTY);
		arg.p = preq(TCP, 13400, 1, ANY_ID, ANY_ID);
		ASSERT_ERRNO(ioctl_err(t, bad[i], &arg), -ENOTTY);
	}
	ASSERT_ERRNO(ioctl_err(ctl, SIO_ACQUIRE_PORT_RESERVATION, &arg),
		     -ENOTTY);
	ASSERT_ERRNO(ioctl_err(t, PORTRES_IOC_CREATE_PERSISTENT, &arg),
		     -ENOTTY);
	in.reservation.start_port = htons(13400);
	in.reservation.number_of_ports = 1;
	for (i = 0; i < (int)ARRAY_SIZE(s); i++) {
		fd = socket(s[i].family, s[i].type | SOCK_CLOEXEC, s[i].proto);
		/* UDP-Lite is gone since Linux 7.0. */
		if (fd < 0 && errno == EPROTONOSUPPORT &&
		    s[i].proto == IPPROTO_UDPLITE) {
			diag("%s not available in this kernel: not checked",
			     s[i].name);
			continue;
		}
		ASSERT_TRUE(fd >= 0)
			TH_LOG("%s: socket: %s", s[i].name, strerror(errno));
		ASSERT_ERRNO(ioctl_err(fd, SIO_ACQUIRE_PORT_RESERVATION, &in),
			     s[i].want) TH_LOG("%s: acquire", s[i].name);
		ASSERT_ERRNO(release(fd, 1), s[i].want)
			TH_LOG("%s: release", s[i].name);
		close(fd);
	}
	fd = xsock(AF_INET, TCP);
	close(fd);
	ASSERT_ERRNO(ioctl_err(fd, SIO_ACQUIRE_PORT_RESERVATION, &in), -EBADF);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_ERRNO(ioctl_err(fd, SIO_ACQUIRE_PORT_RESERVATION, &in), -ENOTTY);
	close(fd);
	xreserved_ports_read(&after);
	ASSERT_EQ(0, memcmp(&before, &after, sizeof(before)))
		TH_LOG("a refused ioctl changed ip_local_reserved_ports");
	ASSERT_ERRNO(plookup(ctl, TCP, 13400, 1, NULL), -ENOENT);
	ASSERT_OK(acquire(t, 13400, 1, NULL));
	close(t);
	close(ctl);
}

TEST_HARNESS_MAIN
