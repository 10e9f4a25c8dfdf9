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
 *
 * Ports used: 21000-21999, window 41000-41009.
 */
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_util.h"

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
static int exhaust_window(int proto, take_fn take, int family, int want_err)
{
	int fds[MAX_TAKE], got[MAX_TAKE], n, i, err = 0, port;

	for (n = 0; n < MAX_TAKE; n++) {
		int fam = family ? family : (n & 1) ? AF_INET6 : AF_INET;

		fds[n] = xsock(fam, proto);
		err = take(fds[n]);
		if (err)
			break;
		port = local_port(fds[n]);
		CHECK(port >= WIN_LO && port <= WIN_HI,
		      "got port %d outside %d-%d", port, WIN_LO, WIN_HI);
		CHECK(!window_port_reserved(port), "got reserved port %d", port);
		for (i = 0; i < n; i++)
			CHECK(got[i] != port, "port %d given twice", port);
		got[n] = port;
	}
	CHECK(n == WIN_FREE, "%d ports taken, %d were free", n, WIN_FREE);
	CHECK_ERR(err, want_err);
	for (i = 0; i <= n && i < MAX_TAKE; i++) {
		if (proto == IPPROTO_TCP)
			close_rst(fds[i]);
		else
			close(fds[i]);
	}
	return 0;
}

static int bind0_tcp_never_gets_reserved_port(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);

	reserve_most_of_window(r);
	CHECK_PASS(exhaust_window(IPPROTO_TCP, take_bind0, BOTH_FAMILIES, -EADDRINUSE));
	close(r);
	return 0;
}

static int bind0_udp_never_gets_reserved_port(void)
{
	int r = xsock(AF_INET6, IPPROTO_UDP);

	reserve_most_of_window(r);
	CHECK_PASS(exhaust_window(IPPROTO_UDP, take_bind0, BOTH_FAMILIES, -EADDRINUSE));
	close(r);
	return 0;
}

static int tcp_connect_autobind_never_gets_reserved_port(void)
{
	/* Dual-stack listener: serves the IPv4 and the IPv6 clients. */
	int l = xlistener(AF_INET6, PEER_PORT);
	int r = xsock(AF_INET, IPPROTO_TCP);

	reserve_most_of_window(r);
	/*
	 * One family per pass: connect() may reuse a local port for another
	 * 4-tuple, and an IPv4 and an IPv6 connection never share one.
	 */
	CHECK_PASS(exhaust_window(IPPROTO_TCP, take_connect, AF_INET,
				  -EADDRNOTAVAIL));
	CHECK_PASS(exhaust_window(IPPROTO_TCP, take_connect, AF_INET6,
				  -EADDRNOTAVAIL));
	close(l);
	close(r);
	return 0;
}

static int udp_connect_autobind_never_gets_reserved_port(void)
{
	int r = xsock(AF_INET, IPPROTO_UDP);

	reserve_most_of_window(r);
	/* inet_autobind() reports every failure as EAGAIN. */
	CHECK_PASS(exhaust_window(IPPROTO_UDP, take_connect, BOTH_FAMILIES, -EAGAIN));
	close(r);
	return 0;
}

static int udp_sendto_autobind_never_gets_reserved_port(void)
{
	int sink = xsock(AF_INET6, IPPROTO_UDP);
	int r = xsock(AF_INET, IPPROTO_UDP);

	CHECK_OK(bind_port(sink, PEER_PORT));	/* no ICMP errors */
	reserve_most_of_window(r);
	CHECK_PASS(exhaust_window(IPPROTO_UDP, take_sendto, BOTH_FAMILIES, -EAGAIN));
	close(sink);
	close(r);
	return 0;
}

static int bind_address_no_port_connect_never_gets_reserved_port(void)
{
	int l = xlistener(AF_INET6, PEER_PORT);
	int r = xsock(AF_INET, IPPROTO_TCP);

	reserve_most_of_window(r);
	CHECK_PASS(exhaust_window(IPPROTO_TCP, take_no_port_connect, AF_INET,
				  -EADDRNOTAVAIL));
	CHECK_PASS(exhaust_window(IPPROTO_TCP, take_no_port_connect, AF_INET6,
				  -EADDRNOTAVAIL));
	close(l);
	close(r);
	return 0;
}

/* Explicit binds of an outsider socket to every port of 21100-21104. */
static int check_outsider_binds(int family, int proto, const char *addr,
				int want)
{
	int port, fd, err;

	for (port = 21100; port < 21105; port++) {
		fd = xsock(family, proto);
		err = addr ? bind_addr(fd, addr, port) : bind_port(fd, port);
		if (err != want) {
			tap_diag("bind to %s port %d: expected %s, got %s",
				 addr ? addr : "any", port, tap_errname(-want),
				 tap_errname(-err));
			return -1;
		}
		close(fd);
	}
	return 0;
}

static int outsider_bind_is_eacces_tcp_ipv4(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);

	xacquire(r, 21100, 5, NULL);
	CHECK_PASS(check_outsider_binds(AF_INET, IPPROTO_TCP, NULL, -EACCES));
	CHECK_PASS(check_outsider_binds(AF_INET, IPPROTO_TCP, "127.0.0.1",
					-EACCES));
	close(r);
	/* The same binds work once the reservation is gone. */
	CHECK_PASS(check_outsider_binds(AF_INET, IPPROTO_TCP, NULL, 0));
	return 0;
}

static int outsider_bind_is_eacces_tcp_ipv6(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);

	xacquire(r, 21100, 5, NULL);
	CHECK_PASS(check_outsider_binds(AF_INET6, IPPROTO_TCP, NULL, -EACCES));
	CHECK_PASS(check_outsider_binds(AF_INET6, IPPROTO_TCP, "::1",
					-EACCES));
	close(r);
	CHECK_PASS(check_outsider_binds(AF_INET6, IPPROTO_TCP, "::1", 0));
	return 0;
}

static int outsider_bind_is_eacces_v4_mapped(void)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);

	xacquire(t, 21100, 5, NULL);
	xacquire(u, 21100, 5, NULL);
	CHECK_PASS(check_outsider_binds(AF_INET6, IPPROTO_TCP,
					"::ffff:127.0.0.1", -EACCES));
	CHECK_PASS(check_outsider_binds(AF_INET6, IPPROTO_UDP,
					"::ffff:0.0.0.0", -EACCES));
	close(t);
	close(u);
	return 0;
}

static int outsider_bind_is_eacces_udp(void)
{
	int r = xsock(AF_INET6, IPPROTO_UDP);

	xacquire(r, 21100, 5, NULL);
	CHECK_PASS(check_outsider_binds(AF_INET, IPPROTO_UDP, NULL, -EACCES));
	CHECK_PASS(check_outsider_binds(AF_INET, IPPROTO_UDP, "127.0.0.1",
					-EACCES));
	CHECK_PASS(check_outsider_binds(AF_INET6, IPPROTO_UDP, NULL, -EACCES));
	CHECK_PASS(check_outsider_binds(AF_INET6, IPPROTO_UDP, "::1", -EACCES));
	close(r);
	CHECK_PASS(check_outsider_binds(AF_INET6, IPPROTO_UDP, NULL, 0));
	return 0;
}

static int acquiring_socket_bind_is_eacces(void)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);

	/* Acquiring does not associate: the socket is an outsider too. */
	xacquire(t, 21110, 2, NULL);
	xacquire(u, 21110, 2, NULL);
	CHECK_ERR(bind_port(t, 21110), -EACCES);
	CHECK_ERR(bind_port(u, 21111), -EACCES);
	close(t);
	close(u);
	return 0;
}

static int bind_21120_in_child(void *arg)
{
	int fd = xsock(AF_INET, (int)(long)arg);

	return bind_port(fd, 21120);
}

static int outsider_bind_in_other_process_is_eacces(void)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);

	xacquire(t, 21120, 1, NULL);
	xacquire(u, 21120, 1, NULL);
	CHECK_ERR(child_run(bind_21120_in_child, (void *)(long)IPPROTO_TCP),
		  -EACCES);
	CHECK_ERR(child_run(bind_21120_in_child, (void *)(long)IPPROTO_UDP),
		  -EACCES);
	close(t);
	close(u);
	return 0;
}

static int outsider_with_reuse_options_is_eacces(void)
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
	CHECK_ERR(bind_port(t, 21130), -EACCES);
	CHECK_ERR(bind_port(u, 21130), -EACCES);
	close(r);
	close(ru);
	close(t);
	close(u);
	return 0;
}

static int ports_next_to_block_stay_bindable(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int below = xsock(AF_INET, IPPROTO_TCP);
	int above = xsock(AF_INET6, IPPROTO_TCP);
	int first = xsock(AF_INET, IPPROTO_TCP);
	int last = xsock(AF_INET6, IPPROTO_TCP);

	xacquire(r, 21141, 8, NULL);	/* 21141-21148 */
	CHECK_ERR(bind_port(first, 21141), -EACCES);
	CHECK_ERR(bind_port(last, 21148), -EACCES);
	CHECK_OK(bind_port(below, 21140));
	CHECK_OK(bind_port(above, 21149));
	close(r);
	close(below);
	close(above);
	close(first);
	close(last);
	return 0;
}

static int reservation_on_ipv6_socket_covers_ipv4(void)
{
	int r = xsock(AF_INET6, IPPROTO_TCP);
	int fd = xsock(AF_INET, IPPROTO_TCP);

	xacquire(r, 21150, 1, NULL);
	CHECK_ERR(bind_port(fd, 21150), -EACCES);
	close(r);
	close(fd);
	return 0;
}

static int other_protocol_bind_is_not_affected(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int u4 = xsock(AF_INET, IPPROTO_UDP);
	int u6 = xsock(AF_INET6, IPPROTO_UDP);

	/* A TCP reservation says nothing about UDP port 21160. */
	xacquire(r, 21160, 1, NULL);
	CHECK_OK(bind_port(u4, 21160));
	close(u4);
	CHECK_OK(bind_port(u6, 21160));
	close(r);
	close(u6);
	return 0;
}

static const struct tap_test tests[] = {
	TAP_TEST(bind0_tcp_never_gets_reserved_port),
	TAP_TEST(bind0_udp_never_gets_reserved_port),
	TAP_TEST(tcp_connect_autobind_never_gets_reserved_port),
	TAP_TEST(udp_connect_autobind_never_gets_reserved_port),
	TAP_TEST(udp_sendto_autobind_never_gets_reserved_port),
	TAP_TEST(bind_address_no_port_connect_never_gets_reserved_port),
	TAP_TEST(outsider_bind_is_eacces_tcp_ipv4),
	TAP_TEST(outsider_bind_is_eacces_tcp_ipv6),
	TAP_TEST(outsider_bind_is_eacces_v4_mapped),
	TAP_TEST(outsider_bind_is_eacces_udp),
	TAP_TEST(acquiring_socket_bind_is_eacces),
	TAP_TEST(outsider_bind_in_other_process_is_eacces),
	TAP_TEST(outsider_with_reuse_options_is_eacces),
	TAP_TEST(ports_next_to_block_stay_bindable),
	TAP_TEST(reservation_on_ipv6_socket_covers_ipv4),
	TAP_TEST(other_protocol_bind_is_not_affected),
};

int main(void)
{
	return run_tests(tests, ARRAY_SIZE(tests));
}
