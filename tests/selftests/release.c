// SPDX-License-Identifier: GPL-2.0
/*
 * SIO_RELEASE_PORT_RESERVATION and the end of a reservation when its
 * acquiring socket goes away: who may release, what stays bound, and that
 * the ports really open up again.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_test.h"

PORTRES_FIXTURE(release, PORTRES_NETNS);

/* An outsider's explicit bind to port (IPv4): 0 or -errno. */
static int outsider_bind(int proto, uint16_t port)
{
	int fd = xsock(AF_INET, proto);
	int err = bind_port(fd, port);

	close(fd);
	return err;
}

TEST_F(release, unknown_token_is_enoent)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	uint64_t tok = xacquire(r, 23000, 2, NULL);

	ASSERT_OK(release(r, tok));
	ASSERT_ERRNO(release(r, tok), -ENOENT);
	ASSERT_ERRNO(release(r, 0x0123456789abcdefULL), -ENOENT);
	close(r);
}

TEST_F(release, other_protocol_token_is_enoent)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 23010, 2, NULL);

	ASSERT_ERRNO(release(u, tok), -ENOENT);
	ASSERT_ERRNO(outsider_bind(IPPROTO_TCP, 23010), -EACCES);
	close(r);
	close(u);
}

struct rel_arg {
	int fd;
	uint64_t token;
};

static int release_inherited_in_child(void *p)
{
	struct rel_arg *a = p;

	return release(a->fd, a->token);
}

static int release_new_socket_in_child(void *p)
{
	struct rel_arg *a = p;

	return release(xsock(AF_INET, IPPROTO_UDP), a->token);
}

TEST_F(release, from_fork_child_is_eperm)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	struct rel_arg a = { r, xacquire(r, 23020, 2, NULL) };

	/* The child shares the very socket, but is another process. */
	ASSERT_ERRNO(child_run(release_inherited_in_child, &a), -EPERM);
	ASSERT_ERRNO(child_run(release_new_socket_in_child, &a), -EPERM);
	ASSERT_ERRNO(outsider_bind(IPPROTO_UDP, 23021), -EACCES);
	ASSERT_OK(release(r, a.token));
	ASSERT_OK(outsider_bind(IPPROTO_UDP, 23021));
	close(r);
}

TEST_F(release, from_other_socket_of_same_process)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int other = xsock(AF_INET6, IPPROTO_TCP);
	uint64_t tok = xacquire(r, 23030, 3, NULL);

	ASSERT_ERRNO(outsider_bind(IPPROTO_TCP, 23032), -EACCES);
	ASSERT_OK(release(other, tok));
	ASSERT_OK(outsider_bind(IPPROTO_TCP, 23030));
	ASSERT_OK(outsider_bind(IPPROTO_TCP, 23032));
	close(r);
	close(other);
}

static void *release_thread(void *p)
{
	struct rel_arg *a = p;
	int fd = xsock(AF_INET, IPPROTO_TCP);

	a->fd = release(fd, a->token);	/* result back in ->fd */
	close(fd);
	return NULL;
}

TEST_F(release, from_other_thread_is_allowed)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	struct rel_arg a = { -1, xacquire(r, 23040, 1, NULL) };
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, release_thread, &a));
	pthread_join(th, NULL);
	ASSERT_OK(a.fd);
	ASSERT_OK(outsider_bind(IPPROTO_TCP, 23040));
	close(r);
}

TEST_F(release, closing_acquiring_socket_ends_reservation)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	int other = xsock(AF_INET, IPPROTO_UDP);
	int late = xsock(AF_INET6, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 23070, 3, NULL);

	ASSERT_ERRNO(outsider_bind(IPPROTO_UDP, 23071), -EACCES);
	close(r);
	ASSERT_OK(outsider_bind(IPPROTO_UDP, 23071));
	ASSERT_ERRNO(associate(late, tok), -ENOENT);
	ASSERT_ERRNO(release(other, tok), -ENOENT);
	/* The block can be reserved again. */
	ASSERT_OK(acquire(other, 23070, 3, NULL));
	close(other);
	close(late);
}

static int exit_now(void *arg)
{
	(void)arg;
	return 0;
}

TEST_F(release, reservation_lives_until_last_socket_reference)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int dup_fd;

	xacquire(r, 23080, 2, NULL);
	dup_fd = dup(r);
	ASSERT_LE(0, dup_fd) TH_LOG("dup: %s", errname(errno));
	close(r);
	ASSERT_ERRNO(outsider_bind(IPPROTO_TCP, 23080), -EACCES);
	/* A child that inherited the socket and exits drops one reference. */
	ASSERT_OK(child_run(exit_now, NULL));
	ASSERT_ERRNO(outsider_bind(IPPROTO_TCP, 23081), -EACCES);
	close(dup_fd);
	ASSERT_OK(outsider_bind(IPPROTO_TCP, 23080));
}

TEST_F(release, socket_holds_several_reservations)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int other = xsock(AF_INET, IPPROTO_TCP);
	uint64_t a = xacquire(r, 23090, 2, NULL);
	uint64_t b = xacquire(r, 23100, 2, NULL);
	uint64_t c = xacquire(r, 0, 3, NULL);

	ASSERT_TRUE(a != b && b != c && a != c)
		TH_LOG("tokens repeat");
	ASSERT_ERRNO(outsider_bind(IPPROTO_TCP, 23090), -EACCES);
	ASSERT_ERRNO(outsider_bind(IPPROTO_TCP, 23101), -EACCES);
	ASSERT_OK(release(r, b));
	ASSERT_OK(outsider_bind(IPPROTO_TCP, 23101));
	ASSERT_ERRNO(outsider_bind(IPPROTO_TCP, 23090), -EACCES);
	close(r);
	/* Closing ended both remaining reservations. */
	ASSERT_OK(outsider_bind(IPPROTO_TCP, 23090));
	ASSERT_ERRNO(release(other, a), -ENOENT);
	ASSERT_ERRNO(release(other, c), -ENOENT);
	close(other);
}

/*
 * A listener and a UDP socket bound from blocks keep their ports and keep
 * working when the reservation ends: released, or its acquirer closed.
 */
PORTRES_FIXTURE(bound_sockets, PORTRES_NETNS);

PORTRES_BOOL_VARIANTS(bound_sockets, close_acquirer, after_release,
		      after_acquirer_close);

TEST_F(bound_sockets, keep_ports)
{
	const uint16_t base = 23050;
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tt = xacquire(rt, base, 2, NULL);
	uint64_t tu = xacquire(ru, base, 2, NULL);
	int l = xsock(AF_INET6, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);
	int tport, uport, c, s, snd, n, err;
	char buf[4];

	xassociate(l, tt);
	xassociate(u, tu);
	ASSERT_OK(bind_port(l, 0));
	ASSERT_OK(listen(l, 8) ? -errno : 0);
	ASSERT_OK(bind_port(u, 0));
	tport = local_port(l);
	uport = local_port(u);
	ASSERT_TRUE(port_in(tport, base, 2) && port_in(uport, base, 2))
		TH_LOG("bound to %d and %d", tport, uport);
	if (variant->close_acquirer) {
		close(rt);
		close(ru);
	} else {
		ASSERT_OK(release(rt, tt));
		ASSERT_OK(release(ru, tu));
	}
	ASSERT_TRUE(local_port(l) == tport && local_port(u) == uport)
		TH_LOG("ports moved: %d -> %d, %d -> %d", tport,
		       local_port(l), uport, local_port(u));
	c = xsock(AF_INET, IPPROTO_TCP);
	ASSERT_OK(connect_port(c, tport));
	s = xaccept(l);
	snd = xsock(AF_INET, IPPROTO_UDP);
	ASSERT_OK(sendto_port(snd, uport));
	n = recv(u, buf, sizeof(buf), MSG_DONTWAIT);
	err = errno;
	ASSERT_EQ(1, n) TH_LOG("UDP socket on %d got no datagram: %s", uport,
			       errname(n < 0 ? err : 0));
	/* The ports are plainly in use now: the usual conflict, not EACCES. */
	ASSERT_ERRNO(outsider_bind(IPPROTO_TCP, tport), -EADDRINUSE);
	ASSERT_ERRNO(outsider_bind(IPPROTO_UDP, uport), -EADDRINUSE);
	close_rst(c);
	close(s);
	close(l);
	close(u);
	close(snd);
	if (!variant->close_acquirer) {
		close(rt);
		close(ru);
	}
}

TEST_HARNESS_MAIN
