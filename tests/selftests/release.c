// SPDX-License-Identifier: GPL-2.0
/*
 * SIO_RELEASE_PORT_RESERVATION and the end of a reservation when its
 * acquiring socket goes away: who may release, what stays bound, and that
 * the ports really open up again.
 *
 * Ports used: 23000-23999.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_util.h"

/* 0 if an outsider's explicit bind to port gets want (TCP, IPv4). */
static int outsider_bind(int proto, uint16_t port, int want)
{
	int fd = xsock(AF_INET, proto);

	CHECK_ERR(bind_port(fd, port), want);
	close(fd);
	return 0;
}

static int release_unknown_token_is_enoent(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	uint64_t tok = xacquire(r, 23000, 2, NULL);

	CHECK_OK(release(r, tok));
	CHECK_ERR(release(r, tok), -ENOENT);
	CHECK_ERR(release(r, 0x0123456789abcdefULL), -ENOENT);
	close(r);
	return 0;
}

static int release_other_protocol_token_is_enoent(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 23010, 2, NULL);

	CHECK_ERR(release(u, tok), -ENOENT);
	CHECK_PASS(outsider_bind(IPPROTO_TCP, 23010, -EACCES));
	close(r);
	close(u);
	return 0;
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

static int release_from_fork_child_is_eperm(void)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	struct rel_arg a = { r, xacquire(r, 23020, 2, NULL) };

	/* The child shares the very socket, but is another process. */
	CHECK_ERR(child_run(release_inherited_in_child, &a), -EPERM);
	CHECK_ERR(child_run(release_new_socket_in_child, &a), -EPERM);
	CHECK_PASS(outsider_bind(IPPROTO_UDP, 23021, -EACCES));
	CHECK_OK(release(r, a.token));
	CHECK_PASS(outsider_bind(IPPROTO_UDP, 23021, 0));
	close(r);
	return 0;
}

static int release_from_other_socket_of_same_process(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int other = xsock(AF_INET6, IPPROTO_TCP);
	uint64_t tok = xacquire(r, 23030, 3, NULL);

	CHECK_PASS(outsider_bind(IPPROTO_TCP, 23032, -EACCES));
	CHECK_OK(release(other, tok));
	CHECK_PASS(outsider_bind(IPPROTO_TCP, 23030, 0));
	CHECK_PASS(outsider_bind(IPPROTO_TCP, 23032, 0));
	close(r);
	close(other);
	return 0;
}

static void *release_thread(void *p)
{
	struct rel_arg *a = p;
	int fd = xsock(AF_INET, IPPROTO_TCP);

	a->fd = release(fd, a->token);	/* result back in ->fd */
	close(fd);
	return NULL;
}

static int release_from_other_thread_is_allowed(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	struct rel_arg a = { -1, xacquire(r, 23040, 1, NULL) };
	pthread_t th;

	CHECK(pthread_create(&th, NULL, release_thread, &a) == 0,
	      "pthread_create");
	pthread_join(th, NULL);
	CHECK_OK(a.fd);
	CHECK_PASS(outsider_bind(IPPROTO_TCP, 23040, 0));
	close(r);
	return 0;
}

/* A listener and a UDP socket bound from blocks keep working after end(). */
static int check_bound_sockets_survive(bool close_acquirer, uint16_t base)
{
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tt = xacquire(rt, base, 2, NULL);
	uint64_t tu = xacquire(ru, base, 2, NULL);
	int l = xsock(AF_INET6, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);
	int tport, uport, c, s, snd;
	char buf[4];

	xassociate(l, tt);
	xassociate(u, tu);
	CHECK_OK(bind_port(l, 0));
	CHECK_OK(listen(l, 8) ? -errno : 0);
	CHECK_OK(bind_port(u, 0));
	tport = local_port(l);
	uport = local_port(u);
	CHECK(port_in(tport, base, 2) && port_in(uport, base, 2),
	      "bound to %d and %d", tport, uport);
	if (close_acquirer) {
		close(rt);
		close(ru);
	} else {
		CHECK_OK(release(rt, tt));
		CHECK_OK(release(ru, tu));
	}
	CHECK(local_port(l) == tport && local_port(u) == uport,
	      "ports moved: %d -> %d, %d -> %d", tport, local_port(l),
	      uport, local_port(u));
	c = xsock(AF_INET, IPPROTO_TCP);
	CHECK_OK(connect_port(c, tport));
	s = xaccept(l);
	snd = xsock(AF_INET, IPPROTO_UDP);
	CHECK_OK(sendto_port(snd, uport));
	CHECK(recv(u, buf, sizeof(buf), MSG_DONTWAIT) == 1,
	      "UDP socket on %d got no datagram: %s", uport, strerror(errno));
	/* The ports are plainly in use now: the usual conflict, not EACCES. */
	CHECK_PASS(outsider_bind(IPPROTO_TCP, tport, -EADDRINUSE));
	CHECK_PASS(outsider_bind(IPPROTO_UDP, uport, -EADDRINUSE));
	close_rst(c);
	close(s);
	close(l);
	close(u);
	close(snd);
	if (!close_acquirer) {
		close(rt);
		close(ru);
	}
	return 0;
}

static int bound_sockets_keep_ports_after_release(void)
{
	CHECK_PASS(check_bound_sockets_survive(false, 23050));
	return 0;
}

static int bound_sockets_keep_ports_after_acquirer_close(void)
{
	CHECK_PASS(check_bound_sockets_survive(true, 23060));
	return 0;
}

static int closing_acquiring_socket_ends_reservation(void)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	int other = xsock(AF_INET, IPPROTO_UDP);
	int late = xsock(AF_INET6, IPPROTO_UDP);
	uint64_t tok = xacquire(r, 23070, 3, NULL);

	CHECK_PASS(outsider_bind(IPPROTO_UDP, 23071, -EACCES));
	close(r);
	CHECK_PASS(outsider_bind(IPPROTO_UDP, 23071, 0));
	CHECK_ERR(associate(late, tok), -ENOENT);
	CHECK_ERR(release(other, tok), -ENOENT);
	/* The block can be reserved again. */
	CHECK_OK(acquire(other, 23070, 3, NULL));
	close(other);
	close(late);
	return 0;
}

static int exit_now(void *arg)
{
	(void)arg;
	return 0;
}

static int reservation_lives_until_last_socket_reference(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int dup_fd;

	xacquire(r, 23080, 2, NULL);
	dup_fd = dup(r);
	CHECK(dup_fd >= 0, "dup: %s", strerror(errno));
	close(r);
	CHECK_PASS(outsider_bind(IPPROTO_TCP, 23080, -EACCES));
	/* A child that inherited the socket and exits drops one reference. */
	CHECK_OK(child_run(exit_now, NULL));
	CHECK_PASS(outsider_bind(IPPROTO_TCP, 23081, -EACCES));
	close(dup_fd);
	CHECK_PASS(outsider_bind(IPPROTO_TCP, 23080, 0));
	return 0;
}

static int socket_holds_several_reservations(void)
{
	int r = xsock(AF_INET, IPPROTO_TCP);
	int other = xsock(AF_INET, IPPROTO_TCP);
	uint64_t a = xacquire(r, 23090, 2, NULL);
	uint64_t b = xacquire(r, 23100, 2, NULL);
	uint64_t c = xacquire(r, 0, 3, NULL);

	CHECK(a != b && b != c && a != c, "tokens repeat");
	CHECK_PASS(outsider_bind(IPPROTO_TCP, 23090, -EACCES));
	CHECK_PASS(outsider_bind(IPPROTO_TCP, 23101, -EACCES));
	CHECK_OK(release(r, b));
	CHECK_PASS(outsider_bind(IPPROTO_TCP, 23101, 0));
	CHECK_PASS(outsider_bind(IPPROTO_TCP, 23090, -EACCES));
	close(r);
	/* Closing ended both remaining reservations. */
	CHECK_PASS(outsider_bind(IPPROTO_TCP, 23090, 0));
	CHECK_ERR(release(other, a), -ENOENT);
	CHECK_ERR(release(other, c), -ENOENT);
	close(other);
	return 0;
}

static const struct tap_test tests[] = {
	TAP_TEST(release_unknown_token_is_enoent),
	TAP_TEST(release_other_protocol_token_is_enoent),
	TAP_TEST(release_from_fork_child_is_eperm),
	TAP_TEST(release_from_other_socket_of_same_process),
	TAP_TEST(release_from_other_thread_is_allowed),
	TAP_TEST(bound_sockets_keep_ports_after_release),
	TAP_TEST(bound_sockets_keep_ports_after_acquirer_close),
	TAP_TEST(closing_acquiring_socket_ends_reservation),
	TAP_TEST(reservation_lives_until_last_socket_reference),
	TAP_TEST(socket_holds_several_reservations),
};

int main(void)
{
	return run_tests(tests, ARRAY_SIZE(tests));
}
