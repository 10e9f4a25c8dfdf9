// SPDX-License-Identifier: GPL-2.0
/*
 * SIO_ASSOCIATE_PORT_RESERVATION: who may associate which socket, and how an
 * associated socket's bind(0), connect() autobind, UDP autobind and explicit
 * bind() use the block.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_test.h"

#define PEER_PORT	22000	/* TCP listener / UDP destination */

PORTRES_FIXTURE(associate, PORTRES_NETNS);

TEST_F(associate, bound_socket_is_einval)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);
	int l = xlistener(AF_INET, 22011);
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tt = xacquire(rt, 22020, 2, NULL);
	uint64_t tu = xacquire(ru, 22020, 2, NULL);

	ASSERT_OK(bind_port(t, 0));
	ASSERT_OK(bind_port(u, 22010));
	ASSERT_ERRNO(associate(t, tt), -EINVAL);
	ASSERT_ERRNO(associate(u, tu), -EINVAL);
	ASSERT_ERRNO(associate(l, tt), -EINVAL);
	/* The acquiring socket is not bound: it may associate itself. */
	ASSERT_OK(associate(rt, tt));
	ASSERT_OK(bind_port(rt, 0));
	ASSERT_PORT_IN(rt, 22020, 2);
	close(t);
	close(u);
	close(l);
	close(rt);
	close(ru);
}

TEST_F(associate, twice_is_einval)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int fd = xsock(AF_INET, IPPROTO_TCP);
	uint64_t a = xacquire(r, 22030, 2, NULL);
	uint64_t b = xacquire(r, 22032, 2, NULL);

	ASSERT_OK(associate(fd, a));
	ASSERT_ERRNO(associate(fd, a), -EINVAL);
	ASSERT_ERRNO(associate(fd, b), -EINVAL);
	/* The first association still decides the port. */
	ASSERT_OK(bind_port(fd, 0));
	ASSERT_PORT_IN(fd, 22030, 2);
	close(fd);
	close(r);
}

TEST_F(associate, unknown_token_is_enoent)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	int fd = xsock(AF_INET, IPPROTO_UDP);
	uint64_t gone = xacquire(r, 22040, 1, NULL);

	xrelease(r, gone);
	ASSERT_ERRNO(associate(fd, gone), -ENOENT);
	ASSERT_ERRNO(associate(fd, 0x5eed5eed5eed5eedULL), -ENOENT);
	/* The failed attempts did not use up the socket's association. */
	gone = xacquire(r, 22040, 1, NULL);
	ASSERT_OK(associate(fd, gone));
	close(fd);
	close(r);
}

TEST_F(associate, other_protocol_token_is_enoent)
{
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	int t = xsock(AF_INET6, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);
	uint64_t tt = xacquire(rt, 22050, 1, NULL);
	uint64_t tu = xacquire(ru, 22051, 1, NULL);

	ASSERT_ERRNO(associate(u, tt), -ENOENT);
	ASSERT_ERRNO(associate(t, tu), -ENOENT);
	close(rt);
	close(ru);
	close(t);
	close(u);
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

TEST_F(associate, in_fork_child_is_eperm)
{
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	struct token_arg at = { IPPROTO_TCP, xacquire(rt, 22060, 1, NULL) };
	struct token_arg au = { IPPROTO_UDP, xacquire(ru, 22060, 1, NULL) };

	ASSERT_ERRNO(child_run(associate_in_child, &at), -EPERM);
	ASSERT_ERRNO(child_run(associate_in_child, &au), -EPERM);
	/* The parent itself still may. */
	ASSERT_ERRNO(associate_in_child(&at), 0);
	close(rt);
	close(ru);
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

TEST_F(associate, in_other_thread_is_allowed)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	struct thread_arg a = { .token = xacquire(r, 22070, 2, NULL) };
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, associate_and_bind_thread, &a));
	pthread_join(th, NULL);
	ASSERT_OK(a.err);
	ASSERT_TRUE(port_in(a.port, 22070, 2))
		TH_LOG("thread's socket bound to %d", a.port);
	close(r);
}

TEST_F(associate, associated_bind0_skips_port_bound_in_block)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 22120, 2, NULL);
	int a = xsock(AF_INET, IPPROTO_UDP);
	int b = xsock(AF_INET6, IPPROTO_UDP);
	int c = xsock(AF_INET, IPPROTO_UDP);

	xassociate(a, tok);
	xassociate(b, tok);
	xassociate(c, tok);
	ASSERT_OK(bind_port(a, 22120));
	ASSERT_OK(bind_port(b, 0));
	ASSERT_EQ(22121, local_port(b))
		TH_LOG("bound to %d", local_port(b));
	ASSERT_ERRNO(bind_port(c, 0), -EADDRINUSE);
	close(a);
	close(b);
	close(c);
	close(r);
}

TEST_F(associate, associated_tcp_connect_autobind_takes_port_in_block)
{
	int l = xlistener(AF_INET6, PEER_PORT);
	int r = xsock(AF_INET, IPPROTO_TCP);
	uint64_t tok = xacquire(r, 22130, 2, NULL);
	int fds[3], i;

	for (i = 0; i < 3; i++) {
		fds[i] = xsock(AF_INET, IPPROTO_TCP);
		xassociate(fds[i], tok);
	}
	ASSERT_OK(connect_port(fds[0], PEER_PORT));
	ASSERT_PORT_IN(fds[0], 22130, 2);
	ASSERT_OK(connect_port(fds[1], PEER_PORT));
	ASSERT_PORT_IN(fds[1], 22130, 2);
	ASSERT_NE(local_port(fds[0]), local_port(fds[1]))
		TH_LOG("same port twice");
	/* No free port of the block is left. */
	ASSERT_ERRNO(connect_port(fds[2], PEER_PORT), -EADDRINUSE);
	for (i = 0; i < 3; i++)
		close_rst(fds[i]);
	close(l);
	close(r);
}

TEST_F(associate, associated_udp_connect_autobind_takes_port_in_block)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 22140, 2, NULL);
	int a = xsock(AF_INET, IPPROTO_UDP);
	int b = xsock(AF_INET6, IPPROTO_UDP);

	xassociate(a, tok);
	xassociate(b, tok);
	ASSERT_OK(connect_port(a, PEER_PORT));
	ASSERT_PORT_IN(a, 22140, 2);
	ASSERT_OK(connect_port(b, PEER_PORT));
	ASSERT_PORT_IN(b, 22140, 2);
	ASSERT_NE(local_port(a), local_port(b))
		TH_LOG("same port twice");
	close(a);
	close(b);
	close(r);
}

TEST_F(associate, associated_udp_sendto_autobind_takes_port_in_block)
{
	int sink = xsock(AF_INET6, IPPROTO_UDP);
	int r = xsock(AF_INET6, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 22145, 2, NULL);
	int a = xsock(AF_INET, IPPROTO_UDP);
	int b = xsock(AF_INET6, IPPROTO_UDP);

	ASSERT_OK(bind_port(sink, PEER_PORT));
	xassociate(a, tok);
	xassociate(b, tok);
	ASSERT_OK(sendto_port(a, PEER_PORT));
	ASSERT_PORT_IN(a, 22145, 2);
	ASSERT_OK(sendto_port(b, PEER_PORT));
	ASSERT_PORT_IN(b, 22145, 2);
	ASSERT_NE(local_port(a), local_port(b))
		TH_LOG("same port twice");
	close(a);
	close(b);
	close(r);
	close(sink);
}

TEST_F(associate, associated_udp_autobind_fails_when_block_full)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 22148, 1, NULL);
	int a = xsock(AF_INET, IPPROTO_UDP);
	int b = xsock(AF_INET, IPPROTO_UDP);

	xassociate(a, tok);
	xassociate(b, tok);
	ASSERT_OK(bind_port(a, 0));
	/*
	 * The Linux convention, kept (portres(7)): inet_autobind() reports
	 * every failed UDP autobind as EAGAIN; bind(0) says EADDRINUSE.
	 */
	ASSERT_ERRNO(connect_port(b, PEER_PORT), -EAGAIN);
	ASSERT_ERRNO(sendto_port(b, PEER_PORT), -EAGAIN);
	ASSERT_ERRNO(bind_port(b, 0), -EADDRINUSE);
	ASSERT_EQ(0, local_port(b))
		TH_LOG("bound to %d anyway", local_port(b));
	close(a);
	close(b);
	close(r);
}

TEST_F(associate, associated_explicit_bind_inside_block_is_allowed)
{
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tt = xacquire(rt, 22150, 4, NULL);
	uint64_t tu = xacquire(ru, 22150, 4, NULL);
	int t = xsock(AF_INET6, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);

	xassociate(t, tt);
	xassociate(u, tu);
	ASSERT_OK(bind_port(t, 22153));
	ASSERT_OK(bind_addr(u, "127.0.0.1", 22150));
	ASSERT_TRUE(local_port(t) == 22153 && local_port(u) == 22150)
		TH_LOG("bound to %d and %d", local_port(t), local_port(u));
	close(t);
	close(u);
	close(rt);
	close(ru);
}

TEST_F(associate, associated_bind_outside_block_is_einval)
{
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tt = xacquire(rt, 22170, 2, NULL);
	uint64_t tu = xacquire(ru, 22170, 2, NULL);
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);

	xassociate(t, tt);
	xassociate(u, tu);
	ASSERT_ERRNO(bind_port(t, 22172), -EINVAL);
	ASSERT_ERRNO(bind_port(t, 22169), -EINVAL);
	ASSERT_ERRNO(bind_port(u, 22172), -EINVAL);
	ASSERT_ERRNO(bind_port(u, 22500), -EINVAL);
	/* Still associated and unbound: the block's port is fine. */
	ASSERT_OK(bind_port(t, 22171));
	close(t);
	close(u);
	close(rt);
	close(ru);
}

TEST_F(associate, associated_bind_after_release_is_eaddrnotavail)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	uint64_t tok = xacquire(r, 22180, 2, NULL);
	int a = xsock(AF_INET, IPPROTO_TCP);
	int b = xsock(AF_INET6, IPPROTO_TCP);

	xassociate(a, tok);
	xassociate(b, tok);
	xrelease(r, tok);
	ASSERT_ERRNO(bind_port(a, 0), -EADDRNOTAVAIL);
	ASSERT_ERRNO(bind_port(b, 22181), -EADDRNOTAVAIL);
	close(a);
	close(b);
	close(r);
}

TEST_F(associate, associated_bind_after_acquirer_closed_is_eaddrnotavail)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 22185, 2, NULL);
	int a = xsock(AF_INET, IPPROTO_UDP);
	int b = xsock(AF_INET, IPPROTO_UDP);

	xassociate(a, tok);
	xassociate(b, tok);
	close(r);
	ASSERT_ERRNO(bind_port(a, 0), -EADDRNOTAVAIL);
	/* inet_autobind() reports every failed UDP autobind as EAGAIN. */
	ASSERT_ERRNO(connect_port(b, PEER_PORT), -EAGAIN);
	ASSERT_ERRNO(sendto_port(b, PEER_PORT), -EAGAIN);
	ASSERT_EQ(0, local_port(b))
		TH_LOG("bound to %d anyway", local_port(b));
	close(a);
	close(b);
}

/* The tests that run for either protocol. */
PORTRES_FIXTURE(associate_proto, PORTRES_NETNS);

PORTRES_PROTO_VARIANTS(associate_proto);

/*
 * n associated sockets (alternating IPv4 and IPv6) take n distinct ports of
 * a block of n with bind(0); one more gets EADDRINUSE.
 */
TEST_F(associate_proto, associated_bind0_takes_free_port_in_block)
{
	const uint16_t start = 22100, n = 3;
	int r = xsock(AF_INET, variant->proto);
	uint64_t tok = xacquire(r, start, n, NULL);
	int fds[3 + 1], i, j, port;

	for (i = 0; i <= n; i++) {
		fds[i] = xsock(i & 1 ? AF_INET6 : AF_INET, variant->proto);
		xassociate(fds[i], tok);
		if (i == n)
			break;
		ASSERT_OK(bind_port(fds[i], 0));
		port = local_port(fds[i]);
		ASSERT_TRUE(port_in(port, start, n))
			TH_LOG("bound to %d, block %u-%u", port, start,
			       start + n - 1);
		for (j = 0; j < i; j++)
			ASSERT_NE(port, local_port(fds[j]))
				TH_LOG("port %d twice", port);
	}
	ASSERT_ERRNO(bind_port(fds[n], 0), -EADDRINUSE);
	for (i = 0; i <= n; i++)
		close(fds[i]);
	close(r);
}

TEST_F(associate_proto, associated_sockets_share_port_with_reuseport)
{
	const uint16_t start = 22160;
	int r = xsock(AF_INET, variant->proto);
	uint64_t tok = xacquire(r, start, 2, NULL);
	int a = xsock(AF_INET, variant->proto);
	int b = xsock(AF_INET, variant->proto);
	int port;

	xassociate(a, tok);
	xassociate(b, tok);
	set_int_opt(a, SOL_SOCKET, SO_REUSEPORT, 1);
	set_int_opt(b, SOL_SOCKET, SO_REUSEPORT, 1);
	ASSERT_OK(bind_port(a, 0));
	port = local_port(a);
	ASSERT_TRUE(port_in(port, start, 2)) TH_LOG("bound to %d", port);
	ASSERT_OK(bind_port(b, port));
	if (variant->proto == IPPROTO_TCP) {
		ASSERT_OK(listen(a, 8) ? -errno : 0);
		ASSERT_OK(listen(b, 8) ? -errno : 0);
	}
	close(a);
	close(b);
	close(r);
}

TEST_HARNESS_MAIN
