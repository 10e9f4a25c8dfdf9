// SPDX-License-Identifier: GPL-2.0
/*
 * While a block is reserved, no ephemeral path hands out its ports (bind to
 * port 0, TCP connect autobind, UDP connect/sendto autobind,
 * IP_BIND_ADDRESS_NO_PORT + connect), and an explicit bind() by a socket that
 * is not associated with the reservation fails with EACCES, for IPv4, IPv6
 * and v4-mapped addresses, TCP and UDP.
 *
 * The ephemeral tests shrink ip_local_port_range to a 10-port window, reserve
 * 7 of its ports and take ports until the kernel gives its usual error: exactly
 * the 3 free ports must come out, never a reserved one.
 */
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_test.h"

#define WIN_LO		41000
#define WIN_HI		41009
#define WIN_FREE	3		/* 41000, 41004, 41009 */
#define PEER_PORT	21000		/* TCP listener / UDP destination */
#define MAX_TAKE	16

/* Reserves 41001-41003 and 41005-41008 on fd; the window's other ports stay free. */
static void reserve_most_of_window(int fd)
{
	xset_port_range(WIN_LO, WIN_HI);
	xacquire(fd, 41001, 3, NULL);
	xacquire(fd, 41005, 4, NULL);
}

static bool window_port_reserved(int port)
{
	return port_in(port, 41001, 3) || port_in(port, 41005, 4);
}

typedef int (*take_fn)(int fd);

static int take_bind0(int fd)
{
	return bind_port(fd, 0);
}

static int take_connect(int fd)
{
	return connect_port(fd, PEER_PORT);
}

static int take_sendto(int fd)
{
	return sendto_port(fd, PEER_PORT);
}

static int take_no_port_connect(int fd)
{
	int err;

	set_int_opt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1);
	err = bind_addr(fd, sock_family(fd) == AF_INET ? "127.0.0.1" : "::1",
			0);
	if (err)
		return err;
	if (local_port(fd) != 0)
		die("IP_BIND_ADDRESS_NO_PORT bind already chose port %d",
		    local_port(fd));
	return connect_port(fd, PEER_PORT);
}

#define BOTH_FAMILIES	0	/* alternate IPv4 and IPv6 sockets */

/*
 * Takes ports with take() on fresh sockets of family (or alternating) until
 * it fails; checks that exactly the free ports of the window came out, each
 * once, and that the failure is want_err.
 */
static void exhaust_window(struct __test_metadata *_metadata, int proto,
			   take_fn take, int family, int want_err)
{
	int fds[MAX_TAKE], got[MAX_TAKE], n, i, err = 0, port;

	for (n = 0; n < MAX_TAKE; n++) {
		int fam = family ? family : (n & 1) ? AF_INET6 : AF_INET;

		fds[n] = xsock(fam, proto);
		err = take(fds[n]);
		if (err)
			break;
		port = local_port(fds[n]);
		ASSERT_TRUE(port >= WIN_LO && port <= WIN_HI)
			TH_LOG("got port %d outside %d-%d", port, WIN_LO, WIN_HI);
		ASSERT_FALSE(window_port_reserved(port))
			TH_LOG("got reserved port %d", port);
		for (i = 0; i < n; i++)
			ASSERT_NE(got[i], port) TH_LOG("port %d given twice", port);
		got[n] = port;
	}
	ASSERT_EQ(WIN_FREE, n) TH_LOG("%d ports taken, %d were free", n, WIN_FREE);
	ASSERT_ERRNO(err, want_err);
	for (i = 0; i <= n && i < MAX_TAKE; i++) {
		if (proto == IPPROTO_TCP)
			close_rst(fds[i]);
		else
			close(fds[i]);
	}
}

/*
 * One variant per ephemeral path. TCP connect() may reuse a local port for
 * another 4-tuple, and an IPv4 and an IPv6 connection never share one: those
 * paths take one family per pass (families[]); the others alternate
 * (BOTH_FAMILIES).
 */
enum peer { NO_PEER, TCP_LISTENER, UDP_SINK };

PORTRES_FIXTURE(ephemeral, PORTRES_NETNS);

FIXTURE_VARIANT(ephemeral) {
	int proto;
	int reserve_family;	/* of the socket holding the reservation */
	take_fn take;
	int families[2];	/* passes; a 0 after the first ends them */
	int want_err;		/* when the window's free ports are gone */
	enum peer peer;		/* at PEER_PORT, dual-stack */
};

FIXTURE_VARIANT_ADD(ephemeral, bind0_tcp) {
	.proto = IPPROTO_TCP, .reserve_family = AF_INET, .take = take_bind0,
	.families = { BOTH_FAMILIES }, .want_err = -EADDRINUSE,
};

FIXTURE_VARIANT_ADD(ephemeral, bind0_udp) {
	.proto = IPPROTO_UDP, .reserve_family = AF_INET6, .take = take_bind0,
	.families = { BOTH_FAMILIES }, .want_err = -EADDRINUSE,
};

FIXTURE_VARIANT_ADD(ephemeral, tcp_connect_autobind) {
	.proto = IPPROTO_TCP, .reserve_family = AF_INET, .take = take_connect,
	.families = { AF_INET, AF_INET6 }, .want_err = -EADDRNOTAVAIL,
	.peer = TCP_LISTENER,
};

/* inet_autobind() reports every failure as EAGAIN. */
FIXTURE_VARIANT_ADD(ephemeral, udp_connect_autobind) {
	.proto = IPPROTO_UDP, .reserve_family = AF_INET, .take = take_connect,
	.families = { BOTH_FAMILIES }, .want_err = -EAGAIN,
};

/* The sink is bound: no ICMP errors. */
FIXTURE_VARIANT_ADD(ephemeral, udp_sendto_autobind) {
	.proto = IPPROTO_UDP, .reserve_family = AF_INET, .take = take_sendto,
	.families = { BOTH_FAMILIES }, .want_err = -EAGAIN, .peer = UDP_SINK,
};

FIXTURE_VARIANT_ADD(ephemeral, bind_address_no_port_connect) {
	.proto = IPPROTO_TCP, .reserve_family = AF_INET,
	.take = take_no_port_connect, .families = { AF_INET, AF_INET6 },
	.want_err = -EADDRNOTAVAIL, .peer = TCP_LISTENER,
};

TEST_F(ephemeral, never_gets_reserved_port)
{
	int peer = -1, r, i;

	if (variant->peer == TCP_LISTENER)
		peer = xlistener(AF_INET6, PEER_PORT);
	if (variant->peer == UDP_SINK) {
		peer = xsock(AF_INET6, IPPROTO_UDP);
		ASSERT_OK(bind_port(peer, PEER_PORT));
	}
	r = xsock(variant->reserve_family, variant->proto);
	reserve_most_of_window(r);
	for (i = 0; i < 2 && (i == 0 || variant->families[i]); i++)
		exhaust_window(_metadata, variant->proto, variant->take,
			       variant->families[i], variant->want_err);
	close(r);
	if (peer >= 0)
		close(peer);
}

/*
 * Explicit binds of an outsider socket, to the wildcard address and to addr,
 * while a block is reserved (EACCES) and after (they work). The reservation
 * is on a socket of reserve_family: either family's reservation covers both.
 */
#define OUT_PORT	21100
#define OUT_N		5

PORTRES_FIXTURE(outsider, PORTRES_NETNS);

FIXTURE_VARIANT(outsider) {
	int proto;
	int reserve_family;
	int bind_family;
	const char *addr;
};

FIXTURE_VARIANT_ADD(outsider, tcp_ipv4) {
	.proto = IPPROTO_TCP, .reserve_family = AF_INET,
	.bind_family = AF_INET, .addr = "127.0.0.1",
};

FIXTURE_VARIANT_ADD(outsider, tcp_ipv4_reserved_on_ipv6) {
	.proto = IPPROTO_TCP, .reserve_family = AF_INET6,
	.bind_family = AF_INET, .addr = "127.0.0.1",
};

FIXTURE_VARIANT_ADD(outsider, tcp_ipv6) {
	.proto = IPPROTO_TCP, .reserve_family = AF_INET,
	.bind_family = AF_INET6, .addr = "::1",
};

FIXTURE_VARIANT_ADD(outsider, tcp_v4_mapped) {
	.proto = IPPROTO_TCP, .reserve_family = AF_INET,
	.bind_family = AF_INET6, .addr = "::ffff:127.0.0.1",
};

FIXTURE_VARIANT_ADD(outsider, udp_ipv4) {
	.proto = IPPROTO_UDP, .reserve_family = AF_INET6,
	.bind_family = AF_INET, .addr = "127.0.0.1",
};

FIXTURE_VARIANT_ADD(outsider, udp_ipv6) {
	.proto = IPPROTO_UDP, .reserve_family = AF_INET6,
	.bind_family = AF_INET6, .addr = "::1",
};

FIXTURE_VARIANT_ADD(outsider, udp_v4_mapped) {
	.proto = IPPROTO_UDP, .reserve_family = AF_INET,
	.bind_family = AF_INET6, .addr = "::ffff:0.0.0.0",
};

/* Binds to every port of the block, to addr (NULL: the wildcard). */
static void check_outsider_binds(struct __test_metadata *_metadata,
				 const FIXTURE_VARIANT(outsider) *variant,
				 const char *addr, int want)
{
	int port, fd;

	for (port = OUT_PORT; port < OUT_PORT + OUT_N; port++) {
		fd = xsock(variant->bind_family, variant->proto);
		ASSERT_ERRNO(addr ? bind_addr(fd, addr, port) : bind_port(fd, port),
			     want)
			TH_LOG("bind to %s port %d", addr ? addr : "any", port);
		close(fd);
	}
}

TEST_F(outsider, bind_is_eacces)
{
	int r = xsock(variant->reserve_family, variant->proto);

	xacquire(r, OUT_PORT, OUT_N, NULL);
	check_outsider_binds(_metadata, variant, NULL, -EACCES);
	check_outsider_binds(_metadata, variant, variant->addr, -EACCES);
	close(r);
	/* The same binds work once the reservation is gone. */
	check_outsider_binds(_metadata, variant, NULL, 0);
	check_outsider_binds(_metadata, variant, variant->addr, 0);
}

PORTRES_FIXTURE(exclusion, PORTRES_NETNS);

TEST_F(exclusion, acquiring_socket_bind_is_eacces)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);

	/* Acquiring does not associate: the socket is an outsider too. */
	xacquire(t, 21110, 2, NULL);
	xacquire(u, 21110, 2, NULL);
	ASSERT_ERRNO(bind_port(t, 21110), -EACCES);
	ASSERT_ERRNO(bind_port(u, 21111), -EACCES);
	close(t);
	close(u);
}

static int bind_21120_in_child(void *arg)
{
	int fd = xsock(AF_INET, (int)(long)arg);

	return bind_port(fd, 21120);
}

TEST_F(exclusion, outsider_bind_in_other_process_is_eacces)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);

	xacquire(t, 21120, 1, NULL);
	xacquire(u, 21120, 1, NULL);
	ASSERT_ERRNO(child_run(bind_21120_in_child, (void *)(long)IPPROTO_TCP),
		     -EACCES);
	ASSERT_ERRNO(child_run(bind_21120_in_child, (void *)(long)IPPROTO_UDP),
		     -EACCES);
	close(t);
	close(u);
}

TEST_F(exclusion, outsider_with_reuse_options_is_eacces)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);

	xacquire(r, 21130, 1, NULL);
	xacquire(ru, 21130, 1, NULL);
	set_int_opt(t, SOL_SOCKET, SO_REUSEADDR, 1);
	set_int_opt(t, SOL_SOCKET, SO_REUSEPORT, 1);
	set_int_opt(u, SOL_SOCKET, SO_REUSEADDR, 1);
	set_int_opt(u, SOL_SOCKET, SO_REUSEPORT, 1);
	ASSERT_ERRNO(bind_port(t, 21130), -EACCES);
	ASSERT_ERRNO(bind_port(u, 21130), -EACCES);
	close(r);
	close(ru);
	close(t);
	close(u);
}

TEST_F(exclusion, ports_next_to_block_stay_bindable)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int below = xsock(AF_INET, IPPROTO_TCP);
	int above = xsock(AF_INET6, IPPROTO_TCP);
	int first = xsock(AF_INET, IPPROTO_TCP);
	int last = xsock(AF_INET6, IPPROTO_TCP);

	xacquire(r, 21141, 8, NULL);	/* 21141-21148 */
	ASSERT_ERRNO(bind_port(first, 21141), -EACCES);
	ASSERT_ERRNO(bind_port(last, 21148), -EACCES);
	ASSERT_OK(bind_port(below, 21140));
	ASSERT_OK(bind_port(above, 21149));
	close(r);
	close(below);
	close(above);
	close(first);
	close(last);
}

TEST_F(exclusion, other_protocol_bind_is_not_affected)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int u4 = xsock(AF_INET, IPPROTO_UDP);
	int u6 = xsock(AF_INET6, IPPROTO_UDP);

	/* A TCP reservation says nothing about UDP port 21160. */
	xacquire(r, 21160, 1, NULL);
	ASSERT_OK(bind_port(u4, 21160));
	close(u4);
	ASSERT_OK(bind_port(u6, 21160));
	close(r);
	close(u6);
}

TEST_HARNESS_MAIN
