// SPDX-License-Identifier: GPL-2.0
/*
 * The module keeps reserved ports out of ephemeral selection through the
 * namespace's ip_local_reserved_ports bitmap. Its bits come and go with the
 * reservations, never take away a bit the administrator set, and come back
 * when the administrator rewrites the sysctl while reservations live, also
 * when the kernel takes the new list in several write()s.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_test.h"

PORTRES_FIXTURE(bitmap, PORTRES_NETNS);

#define BIG_LIST	8192	/* a port list longer than a page */

/* Ports [start, start + n) are all set (want) or all clear (!want). */
static void check_bits(struct __test_metadata *_metadata, uint16_t start,
		       uint16_t n, bool want)
{
	struct portset ps;
	int p;

	xreserved_ports_read(&ps);
	for (p = start; p < start + n; p++)
		ASSERT_EQ(want, portset_test(&ps, p))
			TH_LOG("port %d (of %u-%u) is %s in ip_local_reserved_ports",
			       p, start, start + n - 1,
			       want ? "missing" : "still set");
}

TEST_F(bitmap, reserved_ports_show_while_reserved_only)
{
	struct inet_port_reservation_instance inst;
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);
	uint64_t tt = xacquire(t, 25000, 4, NULL);
	uint16_t ws;

	xacquire(u, 25010, 2, NULL);
	ASSERT_OK(acquire(u, 0, 5, &inst));
	ws = ntohs(inst.reservation.start_port);
	check_bits(_metadata, 25000, 4, true);
	check_bits(_metadata, 25010, 2, true);
	check_bits(_metadata, ws, 5, true);
	check_bits(_metadata, 24999, 1, false);
	check_bits(_metadata, 25004, 1, false);
	ASSERT_OK(release(t, tt));
	check_bits(_metadata, 25000, 4, false);
	check_bits(_metadata, 25010, 2, true);
	close(u);	/* ends both UDP reservations */
	check_bits(_metadata, 25010, 2, false);
	check_bits(_metadata, ws, 5, false);
	close(t);
}

TEST_F(bitmap, tcp_and_udp_reservations_share_a_bit)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tt = xacquire(t, 25020, 2, NULL);
	uint64_t tu = xacquire(u, 25021, 2, NULL);

	/* 25021 is reserved twice: it stays set until both are gone. */
	ASSERT_OK(release(t, tt));
	check_bits(_metadata, 25020, 1, false);
	check_bits(_metadata, 25021, 2, true);
	ASSERT_OK(release(u, tu));
	check_bits(_metadata, 25020, 3, false);
	close(t);
	close(u);
}

TEST_F(bitmap, admin_bits_in_and_next_to_block_survive_release)
{
	struct portset ps;
	int t = xsock(AF_INET, IPPROTO_TCP);
	uint64_t tok;

	xreserved_ports_read(&ps);
	portset_set(&ps, 25029);	/* just below the block */
	portset_set(&ps, 25031);	/* inside */
	portset_set(&ps, 25034);	/* just above */
	xreserved_ports_write(&ps);
	tok = xacquire(t, 25030, 4, NULL);
	check_bits(_metadata, 25029, 6, true);
	ASSERT_OK(release(t, tok));
	check_bits(_metadata, 25029, 1, true);
	check_bits(_metadata, 25030, 1, false);
	check_bits(_metadata, 25031, 1, true);
	check_bits(_metadata, 25032, 2, false);
	check_bits(_metadata, 25034, 1, true);
	/* The same with the socket closed instead of a release. */
	xacquire(t, 25030, 4, NULL);
	close(t);
	check_bits(_metadata, 25031, 1, true);
	check_bits(_metadata, 25032, 2, false);
}

TEST_F(bitmap, admin_rewrite_keeps_reserved_ports)
{
	struct portset ps, admin;
	int t = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tok = xacquire(t, 25040, 3, NULL);
	int fds[10], n, port, err = 0;

	/* The administrator replaces the whole list while we hold 25040-2. */
	portset_clear(&admin);
	portset_set(&admin, 25050);
	xreserved_ports_write(&admin);
	xreserved_ports_read(&ps);
	ASSERT_TRUE(portset_test(&ps, 25050))
		TH_LOG("admin's port missing");
	check_bits(_metadata, 25040, 3, true);
	/* ...and ephemeral selection still avoids them. */
	xset_port_range(25040, 25049);
	for (n = 0; n < 10; n++) {
		fds[n] = xsock(AF_INET, IPPROTO_UDP);
		err = bind_port(fds[n], 0);
		if (err)
			break;
		port = local_port(fds[n]);
		ASSERT_TRUE(port >= 25043 && port <= 25049)
			TH_LOG("bind(0) gave port %d", port);
	}
	ASSERT_EQ(7, n) TH_LOG("%d ports from a window with 7 free", n);
	ASSERT_ERRNO(err, -EADDRINUSE);
	while (n >= 0)
		close(fds[n--]);
	/* An empty list, too. */
	portset_clear(&admin);
	xreserved_ports_write(&admin);
	check_bits(_metadata, 25040, 3, true);
	ASSERT_OK(release(t, tok));
	check_bits(_metadata, 25040, 3, false);
	close(t);
}

TEST_F(bitmap, admin_bits_set_during_reservation_survive_release)
{
	struct portset ps;
	int t = xsock(AF_INET6, IPPROTO_TCP);
	uint64_t tok;

	/*
	 * The administrator rewrites the list from their own notes (not
	 * from what the sysctl shows now), adding 25061, which is ours too,
	 * and 25063, while we hold 25060-25062.
	 */
	xreserved_ports_read(&ps);
	tok = xacquire(t, 25060, 3, NULL);
	portset_set(&ps, 25061);
	portset_set(&ps, 25063);
	xreserved_ports_write(&ps);
	ASSERT_OK(release(t, tok));
	check_bits(_metadata, 25061, 1, true);
	check_bits(_metadata, 25063, 1, true);
	check_bits(_metadata, 25060, 1, false);
	check_bits(_metadata, 25062, 1, false);
	close(t);
}

/*
 * One write() of @text, longer than a page: the kernel takes a page of it
 * at most, so the rest goes in more write()s at later offsets, as echo does.
 * The first replaces the list, the others add to it.
 */
static void write_long(struct __test_metadata *_metadata, int fd,
		       const char *text)
{
	size_t len = strlen(text), done = 0;
	int parts = 0;
	ssize_t n;
	int err;

	while (done < len) {
		n = write(fd, text + done, len - done);
		err = errno;
		ASSERT_LT(0, n) TH_LOG("write at offset %zu: %s", done,
				       n ? errname(err) : "nothing taken");
		done += n;
		parts++;
	}
	ASSERT_LE(2, parts) TH_LOG("%zu bytes taken in %d write()", len, parts);
}

TEST_F(bitmap, admin_ports_of_a_long_write_survive_release)
{
	struct portset base;
	char *text = malloc(BIG_LIST);
	size_t len;
	int fd, p, t = xsock(AF_INET, IPPROTO_TCP);
	uint64_t tok;

	ASSERT_NE(NULL, text) TH_LOG("out of memory");
	/* The administrator's 25190 is replaced by the write below. */
	portset_clear(&base);
	portset_set(&base, 25190);
	xreserved_ports_write(&base);
	tok = xacquire(t, 25100, 10, NULL);
	/* 25101 is in the first page of the value, 25105 in the last. */
	len = sprintf(text, "25101");
	for (p = 25200; p < 26000; p++)
		len += sprintf(text + len, ",%d", p);
	sprintf(text + len, ",25105\n");
	fd = open(SYSCTL_RESERVED_PORTS, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open: %s", errname(errno));
	write_long(_metadata, fd, text);
	close(fd);
	free(text);
	check_bits(_metadata, 25100, 10, true);
	check_bits(_metadata, 25200, 800, true);
	check_bits(_metadata, 25190, 1, false);
	ASSERT_OK(release(t, tok));
	check_bits(_metadata, 25101, 1, true);
	check_bits(_metadata, 25105, 1, true);
	check_bits(_metadata, 25200, 800, true);
	check_bits(_metadata, 25100, 1, false);
	check_bits(_metadata, 25102, 3, false);
	check_bits(_metadata, 25106, 4, false);
	close(t);
}

TEST_F(bitmap, admin_ports_of_several_writes_survive_release)
{
	static const char *const parts[] = {
		"25102,25300-25310,", "25400,", "25106\n",
	};
	struct portset base;
	int fd, i, err, t = xsock(AF_INET6, IPPROTO_UDP);
	uint64_t tok;
	ssize_t n;

	portset_clear(&base);
	portset_set(&base, 25190);
	xreserved_ports_write(&base);
	tok = xacquire(t, 25100, 10, NULL);
	/* Three write()s on one fd: at offset 0, then at two later ones. */
	fd = open(SYSCTL_RESERVED_PORTS, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open: %s", errname(errno));
	for (i = 0; i < (int)ARRAY_SIZE(parts); i++) {
		n = write(fd, parts[i], strlen(parts[i]));
		err = errno;
		ASSERT_EQ((ssize_t)strlen(parts[i]), n)
			TH_LOG("write '%s': %s", parts[i],
			       n < 0 ? errname(err) : "short");
	}
	close(fd);
	check_bits(_metadata, 25100, 10, true);
	check_bits(_metadata, 25300, 11, true);
	check_bits(_metadata, 25400, 1, true);
	check_bits(_metadata, 25190, 1, false);
	ASSERT_OK(release(t, tok));
	check_bits(_metadata, 25102, 1, true);
	check_bits(_metadata, 25106, 1, true);
	check_bits(_metadata, 25300, 11, true);
	check_bits(_metadata, 25400, 1, true);
	check_bits(_metadata, 25100, 2, false);
	check_bits(_metadata, 25103, 3, false);
	check_bits(_metadata, 25107, 3, false);
	close(t);
}

TEST_HARNESS_MAIN
