// SPDX-License-Identifier: GPL-2.0
/*
 * Reservations belong to one network namespace: tokens do not cross
 * namespaces, reserved ports are free in other namespaces, each namespace
 * has its own ip_local_reserved_ports bits, and a namespace that goes away
 * with live reservations takes them with it without harm.
 *
 * Each test makes the other namespaces it is about itself (unshare() in a
 * child or a thread) and compares them with the namespace the test began
 * in. That one is, per variant, init_net (as before the harness: the
 * namespace the system's own ports live in, which the module sets up at
 * load time) or a fresh one of the test's own (two namespaces that both
 * come and go while the module is loaded).
 */
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "portres_test.h"

FIXTURE(netns) {};

FIXTURE_VARIANT(netns) {
	enum portres_ns ns;	/* where the test begins */
};

/*
 * init_net on purpose: reservations there against those of a namespace
 * made later. Every test cleans up after itself (runtime reservations only).
 */
FIXTURE_VARIANT_ADD(netns, from_init_net) {
	.ns = PORTRES_INIT_NET,
};

FIXTURE_VARIANT_ADD(netns, from_own_netns) {
	.ns = PORTRES_NETNS,
};

FIXTURE_SETUP(netns)
{
	portres_setup(_metadata, variant->ns);
}

FIXTURE_TEARDOWN_PARENT(netns)
{
	portres_teardown(_metadata);
}

static void xunshare_net(void)
{
	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET): %s", strerror(errno));
}

struct ns_arg {
	int rt, ru;		/* the acquiring sockets, in the test's netns */
	uint64_t tcp_token;
	uint64_t udp_token;
	int assoc_err[2];
	int release_err[2];
};

/* Tries the parent's tokens from a fresh namespace. */
static void try_tokens_in_new_netns(struct ns_arg *a)
{
	int t, u;

	xunshare_net();
	t = xsock(AF_INET, IPPROTO_TCP);
	u = xsock(AF_INET6, IPPROTO_UDP);
	a->assoc_err[0] = associate(t, a->tcp_token);
	a->assoc_err[1] = associate(u, a->udp_token);
	a->release_err[0] = release(t, a->tcp_token);
	a->release_err[1] = release(u, a->udp_token);
	close(t);
	close(u);
}

/* A TCP and a UDP reservation of port and port + 1. */
static void acquire_tcp_udp(struct ns_arg *a, uint16_t port)
{
	a->rt = xsock(AF_INET, IPPROTO_TCP);
	a->ru = xsock(AF_INET, IPPROTO_UDP);
	a->tcp_token = xacquire(a->rt, port, 2, NULL);
	a->udp_token = xacquire(a->ru, port, 2, NULL);
}

static void *netns_thread(void *p)
{
	try_tokens_in_new_netns(p);
	return NULL;
}

TEST_F(netns, token_is_enoent_in_other_netns_same_process)
{
	struct ns_arg a;
	pthread_t th;

	acquire_tcp_udp(&a, 24000);
	/* A thread: same process, so only the namespace differs. */
	ASSERT_EQ(0, pthread_create(&th, NULL, netns_thread, &a));
	pthread_join(th, NULL);
	ASSERT_ERRNO(a.assoc_err[0], -ENOENT);
	ASSERT_ERRNO(a.assoc_err[1], -ENOENT);
	ASSERT_ERRNO(a.release_err[0], -ENOENT);
	ASSERT_ERRNO(a.release_err[1], -ENOENT);
	/* Nothing happened to the reservations here. */
	ASSERT_OK(release(a.rt, a.tcp_token));
	ASSERT_OK(release(a.ru, a.udp_token));
	close(a.rt);
	close(a.ru);
}

static int tokens_in_netns_child(void *p)
{
	struct ns_arg *a = p;
	int i;

	try_tokens_in_new_netns(a);
	for (i = 0; i < 2; i++) {
		if (a->assoc_err[i] != -ENOENT)
			return a->assoc_err[i];
		if (a->release_err[i] != -ENOENT)
			return a->release_err[i];
	}
	return -ENOENT;
}

TEST_F(netns, token_is_enoent_in_netns_child)
{
	struct ns_arg a;

	acquire_tcp_udp(&a, 24002);
	ASSERT_ERRNO(child_run(tokens_in_netns_child, &a), -ENOENT);
	close(a.rt);
	close(a.ru);
}

static int bind_and_check_bitmap_in_new_netns(void *arg)
{
	struct portset ps;
	int t, u, err;

	(void)arg;
	xunshare_net();
	xreserved_ports_read(&ps);
	if (portset_test(&ps, 24010) || portset_test(&ps, 24011)) {
		diag("parent's reserved ports set in a new namespace");
		return -EEXIST;
	}
	t = xsock(AF_INET, IPPROTO_TCP);
	u = xsock(AF_INET6, IPPROTO_UDP);
	err = bind_port(t, 24010);
	if (!err)
		err = bind_port(u, 24011);
	if (!err && listen(t, 1))
		err = -errno;
	return err;
}

TEST_F(netns, reserved_port_is_bindable_in_other_netns)
{
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	int fd = xsock(AF_INET, IPPROTO_TCP);

	xacquire(rt, 24010, 2, NULL);
	xacquire(ru, 24010, 2, NULL);
	ASSERT_ERRNO(bind_port(fd, 24010), -EACCES);	/* here it is reserved */
	ASSERT_OK(child_run(bind_and_check_bitmap_in_new_netns, NULL));
	close(rt);
	close(ru);
	close(fd);
}

static int reserve_in_new_netns(void *p)
{
	struct hs *h = p;
	struct portset ps;
	int t, u;

	hs_child_side(h);
	xunshare_net();
	t = xsock(AF_INET, IPPROTO_TCP);
	u = xsock(AF_INET, IPPROTO_UDP);
	xacquire(t, 24020, 2, NULL);
	xacquire(u, 24020, 2, NULL);
	xreserved_ports_read(&ps);
	if (!portset_test(&ps, 24020) || !portset_test(&ps, 24021)) {
		diag("reservation missing from the namespace's own bitmap");
		return -ENOENT;
	}
	hs_post(h->to_parent[1]);
	hs_wait(h->to_child[0]);	/* holds the reservations till then */
	return 0;
}

TEST_F(netns, netns_reservation_does_not_affect_parent)
{
	struct hs h;
	struct portset ps;
	int t, u, r;
	pid_t pid;

	hs_init(&h);
	pid = child_start(reserve_in_new_netns, &h);
	hs_parent_side(&h);
	hs_wait(h.to_parent[0]);
	/* Made after the fork: the child holds no reference to them. */
	t = xsock(AF_INET, IPPROTO_TCP);
	u = xsock(AF_INET6, IPPROTO_UDP);
	r = xsock(AF_INET, IPPROTO_TCP);
	xreserved_ports_read(&ps);
	ASSERT_FALSE(portset_test(&ps, 24020))
		TH_LOG("child namespace's reservation shows in the parent's bitmap");
	ASSERT_OK(bind_port(t, 24020));
	ASSERT_OK(bind_port(u, 24021));
	ASSERT_OK(acquire(r, 24022, 1, NULL));
	close(t);
	/* The same block can be reserved here at the same time. */
	ASSERT_OK(acquire(r, 24020, 2, NULL));
	hs_post(h.to_child[1]);
	ASSERT_OK(child_wait(pid));
	close(u);
	close(r);
}

/* Leaves every kind of state behind in a namespace that then dies. */
static int reserve_and_exit_in_new_netns(void *arg)
{
	int i, a, u, r, l;
	uint64_t tok;

	(void)arg;
	xunshare_net();
	for (i = 0; i < 4; i++) {
		int proto = i & 1 ? IPPROTO_UDP : IPPROTO_TCP;

		r = xsock(i & 2 ? AF_INET6 : AF_INET, proto);
		tok = xacquire(r, 24030 + 4 * (i / 2), 4, NULL);
		xacquire(r, 0, 8, NULL);
		a = xsock(AF_INET, proto);		/* associated, unbound */
		xassociate(a, tok);
		u = xsock(AF_INET6, proto);		/* bound from the block */
		xassociate(u, tok);
		if (bind_port(u, 0))
			return -EADDRNOTAVAIL;
		if (proto == IPPROTO_TCP) {
			if (listen(u, 4))
				return -errno;
			l = xsock(AF_INET, IPPROTO_TCP);	/* one more */
			xassociate(l, tok);
			if (local_port(l) != 0)
				return -EINVAL;
		}
	}
	return 0;	/* exit with everything still open */
}

TEST_F(netns, netns_dying_with_live_reservations_is_clean)
{
	int i, t, u;

	for (i = 0; i < 4; i++)
		ASSERT_OK(child_run(reserve_and_exit_in_new_netns, NULL))
			TH_LOG("namespace %d", i);
	/* Our namespace is untouched: the same blocks are all free here. */
	t = xsock(AF_INET, IPPROTO_TCP);
	u = xsock(AF_INET, IPPROTO_UDP);
	ASSERT_OK(acquire(t, 24030, 8, NULL));
	ASSERT_OK(acquire(u, 24030, 8, NULL));
	close(t);
	close(u);
}

struct pass_arg {
	int sock;		/* unix socket to send the fd over */
	uint64_t token;
};

static int acquire_and_pass_socket(void *p)
{
	struct pass_arg *a = p;
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &a->token, .iov_len = sizeof(a->token) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int r;

	xunshare_net();
	r = xsock(AF_INET, IPPROTO_TCP);
	a->token = xacquire(r, 24050, 2, NULL);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &r, sizeof(int));
	if (sendmsg(a->sock, &msg, 0) != sizeof(a->token))
		return -errno;
	return 0;
}

TEST_F(netns, reservation_socket_outliving_its_process_and_netns_owner)
{
	struct pass_arg a = { 0 };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &a.token, .iov_len = sizeof(a.token) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int sv[2], r;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		TH_LOG("socketpair: %s", errname(errno));
	a.sock = sv[1];
	ASSERT_OK(child_run(acquire_and_pass_socket, &a));
	ASSERT_EQ(sizeof(a.token), recvmsg(sv[0], &msg, 0))
		TH_LOG("recvmsg: %s", errname(errno));
	cm = CMSG_FIRSTHDR(&msg);
	ASSERT_TRUE(cm && cm->cmsg_type == SCM_RIGHTS) TH_LOG("no fd passed");
	memcpy(&r, CMSG_DATA(cm), sizeof(int));
	/*
	 * The acquiring process is gone, its namespace lives on through the
	 * socket: the reservation still exists, but it is not ours.
	 */
	ASSERT_ERRNO(release(r, a.token), -EPERM);
	close(r);	/* ends the reservation, then the namespace */
	close(sv[0]);
	close(sv[1]);
}

TEST_HARNESS_MAIN
