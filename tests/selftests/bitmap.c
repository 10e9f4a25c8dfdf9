// SPDX-License-Identifier: GPL-2.0
/*
 * The module keeps reserved ports out of ephemeral selection through the
 * namespace's ip_local_reserved_ports bitmap. Its bits come and go with the
 * reservations, never take away a bit the administrator set, and come back
 * when the administrator rewrites the sysctl while reservations live.
 *
 * Ports used: 25000-25999.
 */
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_util.h"

/* 0 if ports [start, start + n) are all set (want) or all clear (!want). */
static int check_bits(uint16_t start, uint16_t n, bool want)
{
	struct portset ps;
	int p;

	xreserved_ports_read(&ps);
	for (p = start; p < start + n; p++)
		CHECK(portset_test(&ps, p) == want,
		      "port %d is %s in ip_local_reserved_ports", p,
		      want ? "missing" : "still set");
	return 0;
}

static int reserved_ports_show_while_reserved_only(void)
{
	struct inet_port_reservation_instance inst;
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);
	uint64_t tt = xacquire(t, 25000, 4, NULL);
	uint16_t ws;

	xacquire(u, 25010, 2, NULL);
	CHECK_OK(acquire(u, 0, 5, &inst));
	ws = ntohs(inst.reservation.start_port);
	CHECK_PASS(check_bits(25000, 4, true));
	CHECK_PASS(check_bits(25010, 2, true));
	CHECK_PASS(check_bits(ws, 5, true));
	CHECK_PASS(check_bits(24999, 1, false));
	CHECK_PASS(check_bits(25004, 1, false));
	CHECK_OK(release(t, tt));
	CHECK_PASS(check_bits(25000, 4, false));
	CHECK_PASS(check_bits(25010, 2, true));
	close(u);	/* ends both UDP reservations */
	CHECK_PASS(check_bits(25010, 2, false));
	CHECK_PASS(check_bits(ws, 5, false));
	close(t);
	return 0;
}

static int tcp_and_udp_reservations_share_a_bit(void)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tt = xacquire(t, 25020, 2, NULL);
	uint64_t tu = xacquire(u, 25021, 2, NULL);

	/* 25021 is reserved twice: it stays set until both are gone. */
	CHECK_OK(release(t, tt));
	CHECK_PASS(check_bits(25020, 1, false));
	CHECK_PASS(check_bits(25021, 2, true));
	CHECK_OK(release(u, tu));
	CHECK_PASS(check_bits(25020, 3, false));
	close(t);
	close(u);
	return 0;
}

static int admin_bits_in_and_next_to_block_survive_release(void)
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
	CHECK_PASS(check_bits(25029, 6, true));
	CHECK_OK(release(t, tok));
	CHECK_PASS(check_bits(25029, 1, true));
	CHECK_PASS(check_bits(25030, 1, false));
	CHECK_PASS(check_bits(25031, 1, true));
	CHECK_PASS(check_bits(25032, 2, false));
	CHECK_PASS(check_bits(25034, 1, true));
	/* The same with the socket closed instead of a release. */
	xacquire(t, 25030, 4, NULL);
	close(t);
	CHECK_PASS(check_bits(25031, 1, true));
	CHECK_PASS(check_bits(25032, 2, false));
	return 0;
}

static int admin_rewrite_keeps_reserved_ports(void)
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
	CHECK(portset_test(&ps, 25050), "admin's port missing");
	CHECK_PASS(check_bits(25040, 3, true));
	/* ...and ephemeral selection still avoids them. */
	xset_port_range(25040, 25049);
	for (n = 0; n < 10; n++) {
		fds[n] = xsock(AF_INET, IPPROTO_UDP);
		err = bind_port(fds[n], 0);
		if (err)
			break;
		port = local_port(fds[n]);
		CHECK(port >= 25043 && port <= 25049, "bind(0) gave port %d",
		      port);
	}
	CHECK(n == 7, "%d ports from a window with 7 free", n);
	CHECK_ERR(err, -EADDRINUSE);
	while (n >= 0)
		close(fds[n--]);
	/* An empty list, too. */
	portset_clear(&admin);
	xreserved_ports_write(&admin);
	CHECK_PASS(check_bits(25040, 3, true));
	CHECK_OK(release(t, tok));
	CHECK_PASS(check_bits(25040, 3, false));
	close(t);
	return 0;
}

static int admin_bits_set_during_reservation_survive_release(void)
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
	CHECK_OK(release(t, tok));
	CHECK_PASS(check_bits(25061, 1, true));
	CHECK_PASS(check_bits(25063, 1, true));
	CHECK_PASS(check_bits(25060, 1, false));
	CHECK_PASS(check_bits(25062, 1, false));
	close(t);
	return 0;
}

static const struct tap_test tests[] = {
	TAP_TEST(reserved_ports_show_while_reserved_only),
	TAP_TEST(tcp_and_udp_reservations_share_a_bit),
	TAP_TEST(admin_bits_in_and_next_to_block_survive_release),
	TAP_TEST(admin_rewrite_keeps_reserved_ports),
	TAP_TEST(admin_bits_set_during_reservation_survive_release),
};

int main(void)
{
	return run_tests(tests, ARRAY_SIZE(tests));
}
