// SPDX-License-Identifier: GPL-2.0
/*
 * SIO_ASSOCIATE_PORT_RESERVATION: who may associate which socket, and how an
 * associated socket's bind(0), connect() autobind, UDP autobind and explicit
 * bind() use the block.
 *
 * Ports used: 22000-22999.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_util.h"

#define PEER_PORT	22000	/* TCP listener / UDP destination */

static int associate_bound_socket_is_einval(void)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);
	int l = xlistener(AF_INET, 22011);
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tt = xacquire(rt, 22020, 2, NULL);
	uint64_t tu = xacquire(ru, 22020, 2, NULL);

	CHECK_OK(bind_port(t, 0));
	CHECK_OK(bind_port(u, 22010));
	CHECK_ERR(associate(t, tt), -EINVAL);
	CHECK_ERR(associate(u, tu), -EINVAL);
	CHECK_ERR(associate(l, tt), -EINVAL);
	/* The acquiring socket is not bound: it may associate itself. */
	CHECK_OK(associate(rt, tt));
	CHECK_OK(bind_port(rt, 0));
	CHECK(port_in(local_port(rt), 22020, 2), "bound to %d",
	      local_port(rt));
	close(t);
	close(u);
	close(l);
	close(rt);
	close(ru);
	return 0;
}

static int associate_twice_is_einval(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int fd = xsock(AF_INET, IPPROTO_TCP);
	uint64_t a = xacquire(r, 22030, 2, NULL);
	uint64_t b = xacquire(r, 22032, 2, NULL);

	CHECK_OK(associate(fd, a));
	CHECK_ERR(associate(fd, a), -EINVAL);
	CHECK_ERR(associate(fd, b), -EINVAL);
	/* The first association still decides the port. */
	CHECK_OK(bind_port(fd, 0));
	CHECK(port_in(local_port(fd), 22030, 2), "bound to %d",
	      local_port(fd));
	close(fd);
	close(r);
	return 0;
}

static int associate_unknown_token_is_enoent(void)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	int fd = xsock(AF_INET, IPPROTO_UDP);
	uint64_t gone = xacquire(r, 22040, 1, NULL);

	xrelease(r, gone);
	CHECK_ERR(associate(fd, gone), -ENOENT);
	CHECK_ERR(associate(fd, 0x5eed5eed5eed5eedULL), -ENOENT);
	/* The failed attempts did not use up the socket's association. */
	gone = xacquire(r, 22040, 1, NULL);
	CHECK_OK(associate(fd, gone));
	close(fd);
	close(r);
	return 0;
}

static int associate_other_protocol_token_is_enoent(void)
{
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	int t = xsock(AF_INET6, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);
	uint64_t tt = xacquire(rt, 22050, 1, NULL);
	uint64_t tu = xacquire(ru, 22051, 1, NULL);

	CHECK_ERR(associate(u, tt), -ENOENT);
	CHECK_ERR(associate(t, tu), -ENOENT);
	close(rt);
	close(ru);
	close(t);
	close(u);
	return 0;
}

struct token_arg {
	int proto;
	uint64_t token;
};

static int associate_in_child(void *p)
{
	struct token_arg *a = p;
	int fd = xsock(AF_INET, a->proto);

	return associate(fd, a->token);
}

static int associate_in_fork_child_is_eperm(void)
{
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	struct token_arg at = { IPPROTO_TCP, xacquire(rt, 22060, 1, NULL) };
	struct token_arg au = { IPPROTO_UDP, xacquire(ru, 22060, 1, NULL) };

	CHECK_ERR(child_run(associate_in_child, &at), -EPERM);
	CHECK_ERR(child_run(associate_in_child, &au), -EPERM);
	/* The parent itself still may. */
	CHECK_ERR(associate_in_child(&at), 0);
	close(rt);
	close(ru);
	return 0;
}

struct thread_arg {
	uint64_t token;
	int err;
	int port;
};

static void *associate_and_bind_thread(void *p)
{
	struct thread_arg *a = p;
	int fd = xsock(AF_INET6, IPPROTO_TCP);

	a->err = associate(fd, a->token);
	if (!a->err)
		a->err = bind_port(fd, 0);
	a->port = local_port(fd);
	close(fd);
	return NULL;
}

static int associate_in_other_thread_is_allowed(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	struct thread_arg a = { .token = xacquire(r, 22070, 2, NULL) };
	pthread_t th;

	CHECK(pthread_create(&th, NULL, associate_and_bind_thread, &a) == 0,
	      "pthread_create");
	pthread_join(th, NULL);
	CHECK_OK(a.err);
	CHECK(port_in(a.port, 22070, 2), "thread's socket bound to %d",
	      a.port);
	close(r);
	return 0;
}

/*
 * n associated sockets (alternating IPv4 and IPv6) take n distinct ports of
 * a block of n with bind(0); one more gets EADDRINUSE.
 */
static int check_bind0_fills_block(int proto, uint16_t start, uint16_t n)
{
	int r = xsock(AF_INET, proto);
	uint64_t tok = xacquire(r, start, n, NULL);
	int fds[8], i, j, port;

	for (i = 0; i <= n; i++) {
		fds[i] = xsock(i & 1 ? AF_INET6 : AF_INET, proto);
		xassociate(fds[i], tok);
		if (i == n)
			break;
		CHECK_OK(bind_port(fds[i], 0));
		port = local_port(fds[i]);
		CHECK(port_in(port, start, n), "bound to %d, block %u-%u",
		      port, start, start + n - 1);
		for (j = 0; j < i; j++)
			CHECK(local_port(fds[j]) != port, "port %d twice", port);
	}
	CHECK_ERR(bind_port(fds[n], 0), -EADDRINUSE);
	for (i = 0; i <= n; i++)
		close(fds[i]);
	close(r);
	return 0;
}

static int associated_bind0_takes_free_port_in_block_tcp(void)
{
	CHECK_PASS(check_bind0_fills_block(IPPROTO_TCP, 22100, 3));
	return 0;
}

static int associated_bind0_takes_free_port_in_block_udp(void)
{
	CHECK_PASS(check_bind0_fills_block(IPPROTO_UDP, 22110, 3));
	return 0;
}

static int associated_bind0_skips_port_bound_in_block(void)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 22120, 2, NULL);
	int a = xsock(AF_INET, IPPROTO_UDP);
	int b = xsock(AF_INET6, IPPROTO_UDP);
	int c = xsock(AF_INET, IPPROTO_UDP);

	xassociate(a, tok);
	xassociate(b, tok);
	xassociate(c, tok);
	CHECK_OK(bind_port(a, 22120));
	CHECK_OK(bind_port(b, 0));
	CHECK(local_port(b) == 22121, "bound to %d", local_port(b));
	CHECK_ERR(bind_port(c, 0), -EADDRINUSE);
	close(a);
	close(b);
	close(c);
	close(r);
	return 0;
}

static int associated_tcp_connect_autobind_takes_port_in_block(void)
{
	int l = xlistener(AF_INET6, PEER_PORT);
	int r = xsock(AF_INET, IPPROTO_TCP);
	uint64_t tok = xacquire(r, 22130, 2, NULL);
	int fds[3], i;

	for (i = 0; i < 3; i++) {
		fds[i] = xsock(AF_INET, IPPROTO_TCP);
		xassociate(fds[i], tok);
	}
	CHECK_OK(connect_port(fds[0], PEER_PORT));
	CHECK(port_in(local_port(fds[0]), 22130, 2), "connected from %d",
	      local_port(fds[0]));
	CHECK_OK(connect_port(fds[1], PEER_PORT));
	CHECK(port_in(local_port(fds[1]), 22130, 2), "connected from %d",
	      local_port(fds[1]));
	CHECK(local_port(fds[0]) != local_port(fds[1]), "same port twice");
	/* No free port of the block is left. */
	CHECK_ERR(connect_port(fds[2], PEER_PORT), -EADDRINUSE);
	for (i = 0; i < 3; i++)
		close_rst(fds[i]);
	close(l);
	close(r);
	return 0;
}

static int associated_udp_connect_autobind_takes_port_in_block(void)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 22140, 2, NULL);
	int a = xsock(AF_INET, IPPROTO_UDP);
	int b = xsock(AF_INET6, IPPROTO_UDP);

	xassociate(a, tok);
	xassociate(b, tok);
	CHECK_OK(connect_port(a, PEER_PORT));
	CHECK(port_in(local_port(a), 22140, 2), "bound to %d", local_port(a));
	CHECK_OK(connect_port(b, PEER_PORT));
	CHECK(port_in(local_port(b), 22140, 2), "bound to %d", local_port(b));
	CHECK(local_port(a) != local_port(b), "same port twice");
	close(a);
	close(b);
	close(r);
	return 0;
}

static int associated_udp_sendto_autobind_takes_port_in_block(void)
{
	int sink = xsock(AF_INET6, IPPROTO_UDP);
	int r = xsock(AF_INET6, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 22145, 2, NULL);
	int a = xsock(AF_INET, IPPROTO_UDP);
	int b = xsock(AF_INET6, IPPROTO_UDP);

	CHECK_OK(bind_port(sink, PEER_PORT));
	xassociate(a, tok);
	xassociate(b, tok);
	CHECK_OK(sendto_port(a, PEER_PORT));
	CHECK(port_in(local_port(a), 22145, 2), "sent from %d", local_port(a));
	CHECK_OK(sendto_port(b, PEER_PORT));
	CHECK(port_in(local_port(b), 22145, 2), "sent from %d", local_port(b));
	CHECK(local_port(a) != local_port(b), "same port twice");
	close(a);
	close(b);
	close(r);
	close(sink);
	return 0;
}

static int associated_udp_autobind_fails_when_block_full(void)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 22148, 1, NULL);
	int a = xsock(AF_INET, IPPROTO_UDP);
	int b = xsock(AF_INET, IPPROTO_UDP);

	xassociate(a, tok);
	xassociate(b, tok);
	CHECK_OK(bind_port(a, 0));
	/*
	 * The Linux convention, kept (portres(7)): inet_autobind() reports
	 * every failed UDP autobind as EAGAIN; bind(0) says EADDRINUSE.
	 */
	CHECK_ERR(connect_port(b, PEER_PORT), -EAGAIN);
	CHECK_ERR(sendto_port(b, PEER_PORT), -EAGAIN);
	CHECK_ERR(bind_port(b, 0), -EADDRINUSE);
	CHECK(local_port(b) == 0, "bound to %d anyway", local_port(b));
	close(a);
	close(b);
	close(r);
	return 0;
}

static int associated_explicit_bind_inside_block_is_allowed(void)
{
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tt = xacquire(rt, 22150, 4, NULL);
	uint64_t tu = xacquire(ru, 22150, 4, NULL);
	int t = xsock(AF_INET6, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);

	xassociate(t, tt);
	xassociate(u, tu);
	CHECK_OK(bind_port(t, 22153));
	CHECK_OK(bind_addr(u, "127.0.0.1", 22150));
	CHECK(local_port(t) == 22153 && local_port(u) == 22150,
	      "bound to %d and %d", local_port(t), local_port(u));
	close(t);
	close(u);
	close(rt);
	close(ru);
	return 0;
}

static int check_reuseport_share(int proto, uint16_t start)
{
	int r = xsock(AF_INET, proto);
	uint64_t tok = xacquire(r, start, 2, NULL);
	int a = xsock(AF_INET, proto);
	int b = xsock(AF_INET, proto);
	int port;

	xassociate(a, tok);
	xassociate(b, tok);
	set_int_opt(a, SOL_SOCKET, SO_REUSEPORT, 1);
	set_int_opt(b, SOL_SOCKET, SO_REUSEPORT, 1);
	CHECK_OK(bind_port(a, 0));
	port = local_port(a);
	CHECK(port_in(port, start, 2), "bound to %d", port);
	CHECK_OK(bind_port(b, port));
	if (proto == IPPROTO_TCP) {
		CHECK_OK(listen(a, 8) ? -errno : 0);
		CHECK_OK(listen(b, 8) ? -errno : 0);
	}
	close(a);
	close(b);
	close(r);
	return 0;
}

static int associated_sockets_share_port_with_reuseport(void)
{
	CHECK_PASS(check_reuseport_share(IPPROTO_TCP, 22160));
	CHECK_PASS(check_reuseport_share(IPPROTO_UDP, 22160));
	return 0;
}

static int associated_bind_outside_block_is_einval(void)
{
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tt = xacquire(rt, 22170, 2, NULL);
	uint64_t tu = xacquire(ru, 22170, 2, NULL);
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);

	xassociate(t, tt);
	xassociate(u, tu);
	CHECK_ERR(bind_port(t, 22172), -EINVAL);
	CHECK_ERR(bind_port(t, 22169), -EINVAL);
	CHECK_ERR(bind_port(u, 22172), -EINVAL);
	CHECK_ERR(bind_port(u, 22500), -EINVAL);
	/* Still associated and unbound: the block's port is fine. */
	CHECK_OK(bind_port(t, 22171));
	close(t);
	close(u);
	close(rt);
	close(ru);
	return 0;
}

static int associated_bind_after_release_is_eaddrnotavail(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	uint64_t tok = xacquire(r, 22180, 2, NULL);
	int a = xsock(AF_INET, IPPROTO_TCP);
	int b = xsock(AF_INET6, IPPROTO_TCP);

	xassociate(a, tok);
	xassociate(b, tok);
	xrelease(r, tok);
	CHECK_ERR(bind_port(a, 0), -EADDRNOTAVAIL);
	CHECK_ERR(bind_port(b, 22181), -EADDRNOTAVAIL);
	close(a);
	close(b);
	close(r);
	return 0;
}

static int associated_bind_after_acquirer_closed_is_eaddrnotavail(void)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 22185, 2, NULL);
	int a = xsock(AF_INET, IPPROTO_UDP);
	int b = xsock(AF_INET, IPPROTO_UDP);

	xassociate(a, tok);
	xassociate(b, tok);
	close(r);
	CHECK_ERR(bind_port(a, 0), -EADDRNOTAVAIL);
	/* inet_autobind() reports every failed UDP autobind as EAGAIN. */
	CHECK_ERR(connect_port(b, PEER_PORT), -EAGAIN);
	CHECK_ERR(sendto_port(b, PEER_PORT), -EAGAIN);
	CHECK(local_port(b) == 0, "bound to %d anyway", local_port(b));
	close(a);
	close(b);
	return 0;
}

static const struct tap_test tests[] = {
	TAP_TEST(associate_bound_socket_is_einval),
	TAP_TEST(associate_twice_is_einval),
	TAP_TEST(associate_unknown_token_is_enoent),
	TAP_TEST(associate_other_protocol_token_is_enoent),
	TAP_TEST(associate_in_fork_child_is_eperm),
	TAP_TEST(associate_in_other_thread_is_allowed),
	TAP_TEST(associated_bind0_takes_free_port_in_block_tcp),
	TAP_TEST(associated_bind0_takes_free_port_in_block_udp),
	TAP_TEST(associated_bind0_skips_port_bound_in_block),
	TAP_TEST(associated_tcp_connect_autobind_takes_port_in_block),
	TAP_TEST(associated_udp_connect_autobind_takes_port_in_block),
	TAP_TEST(associated_udp_sendto_autobind_takes_port_in_block),
	TAP_TEST(associated_udp_autobind_fails_when_block_full),
	TAP_TEST(associated_explicit_bind_inside_block_is_allowed),
	TAP_TEST(associated_sockets_share_port_with_reuseport),
	TAP_TEST(associated_bind_outside_block_is_einval),
	TAP_TEST(associated_bind_after_release_is_eaddrnotavail),
	TAP_TEST(associated_bind_after_acquirer_closed_is_eaddrnotavail),
};

int main(void)
{
	return run_tests(tests, ARRAY_SIZE(tests));
}
