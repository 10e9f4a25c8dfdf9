// SPDX-License-Identifier: GPL-2.0
/*
 * The socket ioctls as an interface: only TCP and UDP sockets of AF_INET and
 * AF_INET6 take them (EOPNOTSUPP for raw and ping sockets, even with a TCP or
 * UDP protocol number), and bad pointers give EFAULT without leaving a
 * reservation behind.
 */
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_test.h"

PORTRES_FIXTURE(ioctl, PORTRES_NETNS);

/* All three ioctls on fd give want. */
static void check_all_ioctls(struct __test_metadata *_metadata, int fd,
			     int want, const char *what)
{
	struct inet_port_reservation_instance inst = { 0 };
	struct inet_port_reservation_token tok = { 1 };
	int err;

	inst.reservation.start_port = htons(27500);
	inst.reservation.number_of_ports = 1;
	err = ioctl(fd, SIO_ACQUIRE_PORT_RESERVATION, &inst) ? -errno : 0;
	ASSERT_ERRNO(err, want) TH_LOG("%s: acquire", what);
	err = ioctl(fd, SIO_ASSOCIATE_PORT_RESERVATION, &tok) ? -errno : 0;
	ASSERT_ERRNO(err, want) TH_LOG("%s: associate", what);
	err = ioctl(fd, SIO_RELEASE_PORT_RESERVATION, &tok) ? -errno : 0;
	ASSERT_ERRNO(err, want) TH_LOG("%s: release", what);
}

static int xsocket(int family, int type, int proto)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto);

	if (fd < 0)
		die("socket(%d, %d, %d): %s", family, type, proto,
		    strerror(errno));
	return fd;
}

TEST_F(ioctl, raw_sockets_are_eopnotsupp)
{
	static const struct { int family, proto; const char *name; } s[] = {
		{ AF_INET, IPPROTO_RAW, "IPv4 raw" },
		{ AF_INET, IPPROTO_TCP, "IPv4 raw, protocol TCP" },
		{ AF_INET, IPPROTO_UDP, "IPv4 raw, protocol UDP" },
		{ AF_INET6, IPPROTO_RAW, "IPv6 raw" },
		{ AF_INET6, IPPROTO_TCP, "IPv6 raw, protocol TCP" },
		{ AF_INET6, IPPROTO_UDP, "IPv6 raw, protocol UDP" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(s); i++) {
		int fd = xsocket(s[i].family, SOCK_RAW, s[i].proto);

		check_all_ioctls(_metadata, fd, -EOPNOTSUPP, s[i].name);
		close(fd);
	}
}

TEST_F(ioctl, ping_sockets_are_eopnotsupp)
{
	int fd4, fd6;

	/* Datagram sockets, but ICMP: allow them for gid 0 first (netns). */
	xsysctl_set("/proc/sys/net/ipv4/ping_group_range", "0 0");
	fd4 = xsocket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	fd6 = xsocket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6);
	check_all_ioctls(_metadata, fd4, -EOPNOTSUPP, "IPv4 ping");
	check_all_ioctls(_metadata, fd6, -EOPNOTSUPP, "IPv6 ping");
	close(fd4);
	close(fd6);
}

/* A page that is not mapped any more. */
static void *unmapped_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || munmap(p, 4096))
		die("mmap/munmap: %s", strerror(errno));
	return p;
}

TEST_F(ioctl, bad_pointers_are_efault)
{
	void *bad = unmapped_page();
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);

	ASSERT_ERRNO(ioctl(t, SIO_ACQUIRE_PORT_RESERVATION, bad) ? -errno : 0,
		     -EFAULT);
	ASSERT_ERRNO(ioctl(u, SIO_ASSOCIATE_PORT_RESERVATION, bad) ? -errno : 0,
		     -EFAULT);
	ASSERT_ERRNO(ioctl(t, SIO_RELEASE_PORT_RESERVATION, bad) ? -errno : 0,
		     -EFAULT);
	ASSERT_ERRNO(ioctl(u, SIO_ACQUIRE_PORT_RESERVATION, NULL) ? -errno : 0,
		     -EFAULT);
	close(t);
	close(u);
}

TEST_F(ioctl, unwritable_result_is_efault_and_reserves_nothing)
{
	struct inet_port_reservation_instance *inst;
	int t = xsock(AF_INET, IPPROTO_TCP);
	int fd = xsock(AF_INET, IPPROTO_TCP);

	/* A valid request in a read-only page: the answer cannot be written. */
	inst = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, inst) TH_LOG("mmap: %s", errname(errno));
	inst->reservation.start_port = htons(27510);
	inst->reservation.number_of_ports = 2;
	ASSERT_OK(mprotect(inst, 4096, PROT_READ) ? -errno : 0);
	ASSERT_ERRNO(ioctl(t, SIO_ACQUIRE_PORT_RESERVATION, inst) ? -errno : 0,
		     -EFAULT);
	/* No token came back, so no reservation may be left behind. */
	ASSERT_OK(bind_port(fd, 27511));
	close(fd);
	ASSERT_OK(acquire(t, 27510, 2, NULL));
	close(t);
}

TEST_HARNESS_MAIN
