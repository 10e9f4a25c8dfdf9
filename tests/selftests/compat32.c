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
 * Ports used: 13000-13499.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

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

static void begin(void)
{
	root_traversable();
	persist_cleanup_at_exit(13000, 13499);
}

static int end_to_end(int family, int proto, uint16_t start, bool wildcard)
{
	struct inet_port_reservation_instance got;
	int r = xsock(family, proto), a[3], i, port;
	uint16_t first;
	uint64_t tok;

	CHECK_OK(acquire(r, wildcard ? 0 : start, 3, &got));
	tok = got.token.token;
	first = ntohs(got.reservation.start_port);
	CHECK(tok != 0, "token 0");
	CHECK(got.reservation.number_of_ports == 3, "granted %u ports",
	      got.reservation.number_of_ports);
	CHECK(wildcard ? first != 0 : first == start, "granted from %u", first);
	CHECK(tok >> 32 || (uint32_t)tok, "token %016llx", (unsigned long long)tok);
	for (i = 0; i < 3; i++)
		CHECK(reserved(first + i), "port %u not reserved", first + i);
	CHECK_ERR(outsider_bind(AF_INET, proto, first + 1), -EACCES);
	for (i = 0; i < 3; i++) {
		a[i] = xsock(i & 1 ? AF_INET6 : AF_INET, proto);
		CHECK_OK(associate(a[i], tok));
		CHECK_ERR(associate(a[i], tok), -EINVAL);	/* once only */
		CHECK_OK(bind_port(a[i], 0));
		port = local_port(a[i]);
		CHECK(port_in(port, first, 3), "associated bind gave %d", port);
		CHECK_ERR(associate(a[i], tok), -EINVAL);	/* bound */
	}
	i = xsock(AF_INET, proto);
	CHECK_OK(associate(i, tok));
	CHECK_ERR(bind_port(i, 0), -EADDRINUSE);	/* block full */
	close(i);
	CHECK_OK(release(r, tok));
	CHECK_ERR(release(r, tok), -ENOENT);
	CHECK_ERR(associate(xsock(AF_INET, proto), tok), -ENOENT);
	CHECK(!reserved(first), "bit left after release");
	for (i = 0; i < 3; i++)
		close(a[i]);
	CHECK_OK(outsider_bind(AF_INET6, proto, first + 1));
	close(r);
	return 0;
}

static int acquire_associate_bind_release_end_to_end(void)
{
	begin();
	CHECK_PASS(end_to_end(AF_INET, TCP, 13000, false));
	CHECK_PASS(end_to_end(AF_INET6, TCP, 13010, false));
	CHECK_PASS(end_to_end(AF_INET, UDP, 13020, false));
	CHECK_PASS(end_to_end(AF_INET6, UDP, 13030, false));
	CHECK_PASS(end_to_end(AF_INET, TCP, 0, true));
	CHECK_PASS(end_to_end(AF_INET6, UDP, 0, true));
	return 0;
}

static int closing_the_socket_ends_the_reservation(void)
{
	int r = xsock(AF_INET, TCP), a = xsock(AF_INET, TCP);
	uint64_t tok;

	begin();
	tok = xacquire(r, 13040, 2, NULL);
	xassociate(a, tok);
	close(r);
	CHECK(!reserved(13040), "bit left after close");
	CHECK_ERR(bind_port(a, 0), -EADDRNOTAVAIL);
	close(a);
	return 0;
}

static int persistent_create_lookup_delete(void)
{
	static struct proc_listing l;
	struct portres_persistent out;
	const struct proc_line *pl;
	uint64_t tok, tok2;
	int ctl, fd, port;

	begin();
	ctl = xctl_open();
	CHECK_OK(pcreate(ctl, TCP, 13100, 4, 1000, 2000, &tok));
	CHECK(tok, "token 0");
	CHECK_OK(plookup(ctl, TCP, 13100, 4, &out));
	CHECK(out.token == tok && out.allowed_uid == 1000 &&
	      out.allowed_gid == 2000 && ntohs(out.range.start_port) == 13100 &&
	      out.range.number_of_ports == 4,
	      "lookup: token %016llx ids %u/%u", (unsigned long long)out.token,
	      out.allowed_uid, out.allowed_gid);
	/* The 64-bit token is the same one the kernel shows. */
	CHECK_OK(proc_read(PROC_RESV, &l));
	pl = proc_find(&l, "tcp", 13100);
	CHECK(pl && !strcmp(pl->f[PL_TOKEN], tok_hex(tok)),
	      "listing: '%s', created %s", pl ? pl->raw : "", tok_hex(tok));
	fd = xsock(AF_INET6, TCP);
	CHECK_OK(associate(fd, tok));
	CHECK_OK(bind_port(fd, 0));
	port = local_port(fd);
	CHECK(port_in(port, 13100, 4), "bound to %d", port);
	close(fd);
	CHECK_ERR(outsider_bind(AF_INET, TCP, 13103), -EACCES);
	/* Restore with a given 64-bit token. */
	CHECK_OK(pdelete(ctl, TCP, 13100, 4));
	CHECK_ERR(plookup(ctl, TCP, 13100, 4, NULL), -ENOENT);
	tok2 = 0xfedcba9876543210ULL;
	CHECK_OK(pcreate_given(ctl, UDP, 13110, 2, tok2));
	CHECK_OK(plookup(ctl, UDP, 13110, 2, &out));
	CHECK(out.token == tok2, "given token came back as %016llx",
	      (unsigned long long)out.token);
	CHECK_ERR(pcreate_given(ctl, UDP, 13120, 1, tok2), -EEXIST);
	CHECK_OK(pdelete(ctl, UDP, 13110, 2));
	/* Stale and zero tokens. */
	fd = xsock(AF_INET, TCP);
	CHECK_ERR(associate(fd, tok), -ENOENT);
	CHECK_ERR(associate(fd, 0), -ENOENT);
	CHECK_ERR(release(fd, 0), -ENOENT);
	CHECK_ERR(release(fd, tok), -ENOENT);
	close(fd);
	close(ctl);
	return 0;
}

static int bad_pointers_efault_and_leave_nothing(void)
{
	struct inet_port_reservation_instance in = { 0 };
	struct portres_persistent p = preq(TCP, 13200, 2, ANY_ID, ANY_ID);
	struct portset before, after;
	char *ro, *gone;
	int t, u, ctl;

	begin();
	ctl = xctl_open();
	t = xsock(AF_INET, TCP);
	u = xsock(AF_INET6, UDP);
	in.reservation.start_port = htons(13200);
	in.reservation.number_of_ports = 2;
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro != MAP_FAILED && gone != MAP_FAILED, "mmap");
	memcpy(ro, &in, sizeof(in));
	memcpy(ro + 64, &p, sizeof(p));
	CHECK(mprotect(ro, 4096, PROT_READ) == 0 && munmap(gone, 4096) == 0,
	      "mprotect/munmap: %s", strerror(errno));
	xreserved_ports_read(&before);

	CHECK_ERR(ioctl_err(t, SIO_ACQUIRE_PORT_RESERVATION, NULL), -EFAULT);
	CHECK_ERR(ioctl_err(u, SIO_ASSOCIATE_PORT_RESERVATION, NULL), -EFAULT);
	CHECK_ERR(ioctl_err(t, SIO_RELEASE_PORT_RESERVATION, gone), -EFAULT);
	CHECK_ERR(ioctl_err(u, SIO_ACQUIRE_PORT_RESERVATION, gone), -EFAULT);
	CHECK_ERR(ioctl_err(t, SIO_ACQUIRE_PORT_RESERVATION, ro), -EFAULT);
	CHECK_ERR(ioctl_err(u, SIO_ACQUIRE_PORT_RESERVATION, ro), -EFAULT);
	/* The top of the 32-bit address space is not the process's. */
	CHECK_ERR(ioctl_err(t, SIO_ACQUIRE_PORT_RESERVATION, (void *)0xfffff000UL),
		  -EFAULT);
	CHECK_ERR(ioctl_err(ctl, PORTRES_IOC_CREATE_PERSISTENT, NULL), -EFAULT);
	CHECK_ERR(ioctl_err(ctl, PORTRES_IOC_LOOKUP_PERSISTENT, gone), -EFAULT);
	CHECK_ERR(ioctl_err(ctl, PORTRES_IOC_DELETE_PERSISTENT, gone), -EFAULT);
	CHECK_ERR(ioctl_err(ctl, PORTRES_IOC_CREATE_PERSISTENT, ro + 64), -EFAULT);
	CHECK_ERR(ioctl_err(ctl, PORTRES_IOC_CREATE_PERSISTENT, (void *)0xfffff000UL),
		  -EFAULT);
	xreserved_ports_read(&after);
	CHECK(!memcmp(&before, &after, sizeof(before)),
	      "a faulting ioctl changed ip_local_reserved_ports");
	CHECK_ERR(plookup(ctl, TCP, 13200, 2, NULL), -ENOENT);
	CHECK_OK(outsider_bind(AF_INET, TCP, 13201));
	CHECK_OK(outsider_bind(AF_INET, UDP, 13201));
	CHECK_OK(acquire(t, 13200, 2, NULL));
	close(t);
	close(u);
	close(ctl);
	return 0;
}

static int unaligned_pointers_work(void)
{
	struct inet_port_reservation_instance in = { 0 }, got;
	struct inet_port_reservation_token tok;
	struct portres_persistent p = preq(UDP, 13310, 1, ANY_ID, ANY_ID), q;
	static char buf[256];
	int t, a, ctl;

	begin();
	ctl = xctl_open();
	t = xsock(AF_INET, UDP);
	a = xsock(AF_INET6, UDP);
	in.reservation.start_port = htons(13300);
	in.reservation.number_of_ports = 2;
	memcpy(buf + 1, &in, sizeof(in));
	CHECK_OK(ioctl_err(t, SIO_ACQUIRE_PORT_RESERVATION, buf + 1));
	memcpy(&got, buf + 1, sizeof(got));
	CHECK(got.token.token && ntohs(got.reservation.start_port) == 13300,
	      "unaligned acquire gave %u", ntohs(got.reservation.start_port));
	tok = got.token;
	memcpy(buf + 37, &tok, sizeof(tok));
	CHECK_OK(ioctl_err(a, SIO_ASSOCIATE_PORT_RESERVATION, buf + 37));
	CHECK_OK(bind_port(a, 0));
	CHECK(port_in(local_port(a), 13300, 2), "bound to %d", local_port(a));
	CHECK_OK(ioctl_err(t, SIO_RELEASE_PORT_RESERVATION, buf + 37));
	memcpy(buf + 67, &p, sizeof(p));
	CHECK_OK(ioctl_err(ctl, PORTRES_IOC_CREATE_PERSISTENT, buf + 67));
	memcpy(&q, buf + 67, sizeof(q));
	CHECK(q.token, "unaligned create gave token 0");
	memcpy(buf + 131, &p, sizeof(p));
	CHECK_OK(ioctl_err(ctl, PORTRES_IOC_LOOKUP_PERSISTENT, buf + 131));
	memcpy(&p, buf + 131, sizeof(p));
	CHECK(p.token == q.token, "unaligned lookup: %016llx, created %016llx",
	      (unsigned long long)p.token, (unsigned long long)q.token);
	CHECK_OK(ioctl_err(ctl, PORTRES_IOC_DELETE_PERSISTENT, buf + 131));
	close(a);
	close(t);
	close(ctl);
	return 0;
}

struct blob24 { char b[24]; };
struct blob40 { char b[40]; };

static int wrong_numbers_and_sockets(void)
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
	int ctl, t, i, fd, err;

	begin();
	ctl = xctl_open();
	t = xsock(AF_INET, TCP);
	xreserved_ports_read(&before);
	for (i = 0; i < (int)ARRAY_SIZE(bad); i++) {
		arg.p = preq(TCP, 13400, 1, ANY_ID, ANY_ID);
		CHECK_ERR(ioctl_err(ctl, bad[i], &arg), -ENOTTY);
		arg.p = preq(TCP, 13400, 1, ANY_ID, ANY_ID);
		CHECK_ERR(ioctl_err(t, bad[i], &arg), -ENOTTY);
	}
	CHECK_ERR(ioctl_err(ctl, SIO_ACQUIRE_PORT_RESERVATION, &arg), -ENOTTY);
	CHECK_ERR(ioctl_err(t, PORTRES_IOC_CREATE_PERSISTENT, &arg), -ENOTTY);
	in.reservation.start_port = htons(13400);
	in.reservation.number_of_ports = 1;
	for (i = 0; i < (int)ARRAY_SIZE(s); i++) {
		fd = socket(s[i].family, s[i].type | SOCK_CLOEXEC, s[i].proto);
		/* UDP-Lite is gone since Linux 7.0. */
		if (fd < 0 && errno == EPROTONOSUPPORT &&
		    s[i].proto == IPPROTO_UDPLITE) {
			tap_diag("%s not available in this kernel: not checked",
				 s[i].name);
			continue;
		}
		CHECK(fd >= 0, "%s: socket: %s", s[i].name, strerror(errno));
		err = ioctl_err(fd, SIO_ACQUIRE_PORT_RESERVATION, &in);
		CHECK(err == s[i].want, "%s: acquire: expected %s, got %s",
		      s[i].name, tap_errname(-s[i].want), tap_errname(-err));
		err = release(fd, 1);
		CHECK(err == s[i].want, "%s: release: expected %s, got %s",
		      s[i].name, tap_errname(-s[i].want), tap_errname(-err));
		close(fd);
	}
	fd = xsock(AF_INET, TCP);
	close(fd);
	CHECK_ERR(ioctl_err(fd, SIO_ACQUIRE_PORT_RESERVATION, &in), -EBADF);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK_ERR(ioctl_err(fd, SIO_ACQUIRE_PORT_RESERVATION, &in), -ENOTTY);
	close(fd);
	xreserved_ports_read(&after);
	CHECK(!memcmp(&before, &after, sizeof(before)),
	      "a refused ioctl changed ip_local_reserved_ports");
	CHECK_ERR(plookup(ctl, TCP, 13400, 1, NULL), -ENOENT);
	CHECK_OK(acquire(t, 13400, 1, NULL));
	close(t);
	close(ctl);
	return 0;
}

static const struct tap_test tests[] = {
	TAP_TEST(acquire_associate_bind_release_end_to_end),
	TAP_TEST(closing_the_socket_ends_the_reservation),
	TAP_TEST(persistent_create_lookup_delete),
	TAP_TEST(bad_pointers_efault_and_leave_nothing),
	TAP_TEST(unaligned_pointers_work),
	TAP_TEST(wrong_numbers_and_sockets),
};

int main(void)
{
	return run_tests(tests, ARRAY_SIZE(tests));
}
