// SPDX-License-Identifier: GPL-2.0
/*
 * Reservations belong to one network namespace: tokens do not cross
 * namespaces, reserved ports are free in other namespaces, each namespace
 * has its own ip_local_reserved_ports bits, and a namespace that goes away
 * with live reservations takes them with it without harm.
 *
 * Ports used: 24000-24999.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "portres_util.h"

static void xunshare_net(void)
{
	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET): %s", strerror(errno));
}

struct ns_arg {
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

static void *netns_thread(void *p)
{
	try_tokens_in_new_netns(p);
	return NULL;
}

static int token_is_enoent_in_other_netns_same_process(void)
{
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	struct ns_arg a = {
		.tcp_token = xacquire(rt, 24000, 2, NULL),
		.udp_token = xacquire(ru, 24000, 2, NULL),
	};
	pthread_t th;

	/* A thread: same process, so only the namespace differs. */
	CHECK(pthread_create(&th, NULL, netns_thread, &a) == 0,
	      "pthread_create");
	pthread_join(th, NULL);
	CHECK_ERR(a.assoc_err[0], -ENOENT);
	CHECK_ERR(a.assoc_err[1], -ENOENT);
	CHECK_ERR(a.release_err[0], -ENOENT);
	CHECK_ERR(a.release_err[1], -ENOENT);
	/* Nothing happened to the reservations here. */
	CHECK_OK(release(rt, a.tcp_token));
	CHECK_OK(release(ru, a.udp_token));
	close(rt);
	close(ru);
	return 0;
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

static int token_is_enoent_in_netns_child(void)
{
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	struct ns_arg a = {
		.tcp_token = xacquire(rt, 24002, 2, NULL),
		.udp_token = xacquire(ru, 24002, 2, NULL),
	};

	CHECK_ERR(child_run(tokens_in_netns_child, &a), -ENOENT);
	close(rt);
	close(ru);
	return 0;
}

static int bind_and_check_bitmap_in_new_netns(void *arg)
{
	struct portset ps;
	int t, u, err;

	(void)arg;
	xunshare_net();
	xreserved_ports_read(&ps);
	if (portset_test(&ps, 24010) || portset_test(&ps, 24011)) {
		tap_diag("parent's reserved ports set in a new namespace");
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

static int reserved_port_is_bindable_in_other_netns(void)
{
	int rt = xsock(AF_INET, IPPROTO_TCP);
	int ru = xsock(AF_INET, IPPROTO_UDP);
	int fd = xsock(AF_INET, IPPROTO_TCP);

	xacquire(rt, 24010, 2, NULL);
	xacquire(ru, 24010, 2, NULL);
	CHECK_ERR(bind_port(fd, 24010), -EACCES);	/* here it is reserved */
	CHECK_OK(child_run(bind_and_check_bitmap_in_new_netns, NULL));
	close(rt);
	close(ru);
	close(fd);
	return 0;
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
		tap_diag("reservation missing from the namespace's own bitmap");
		return -ENOENT;
	}
	hs_post(h->to_parent[1]);
	hs_wait(h->to_child[0]);	/* holds the reservations till then */
	return 0;
}

static int netns_reservation_does_not_affect_parent(void)
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
	CHECK(!portset_test(&ps, 24020),
	      "child namespace's reservation shows in the parent's bitmap");
	CHECK_OK(bind_port(t, 24020));
	CHECK_OK(bind_port(u, 24021));
	CHECK_OK(acquire(r, 24022, 1, NULL));
	close(t);
	/* The same block can be reserved here at the same time. */
	CHECK_OK(acquire(r, 24020, 2, NULL));
	hs_post(h.to_child[1]);
	CHECK_OK(child_wait(pid));
	close(u);
	close(r);
	return 0;
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

static int netns_dying_with_live_reservations_is_clean(void)
{
	int i, t, u;

	for (i = 0; i < 4; i++)
		CHECK_OK(child_run(reserve_and_exit_in_new_netns, NULL));
	/* Our namespace is untouched: the same blocks are all free here. */
	t = xsock(AF_INET, IPPROTO_TCP);
	u = xsock(AF_INET, IPPROTO_UDP);
	CHECK_OK(acquire(t, 24030, 8, NULL));
	CHECK_OK(acquire(u, 24030, 8, NULL));
	close(t);
	close(u);
	return 0;
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

static int reservation_socket_outliving_its_process_and_netns_owner(void)
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

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
	a.sock = sv[1];
	CHECK_OK(child_run(acquire_and_pass_socket, &a));
	CHECK(recvmsg(sv[0], &msg, 0) == sizeof(a.token), "recvmsg: %s",
	      strerror(errno));
	cm = CMSG_FIRSTHDR(&msg);
	CHECK(cm && cm->cmsg_type == SCM_RIGHTS, "no fd passed");
	memcpy(&r, CMSG_DATA(cm), sizeof(int));
	/*
	 * The acquiring process is gone, its namespace lives on through the
	 * socket: the reservation still exists, but it is not ours.
	 */
	CHECK_ERR(release(r, a.token), -EPERM);
	close(r);	/* ends the reservation, then the namespace */
	close(sv[0]);
	close(sv[1]);
	return 0;
}

static const struct tap_test tests[] = {
	TAP_TEST(token_is_enoent_in_other_netns_same_process),
	TAP_TEST(token_is_enoent_in_netns_child),
	TAP_TEST(reserved_port_is_bindable_in_other_netns),
	TAP_TEST(netns_reservation_does_not_affect_parent),
	TAP_TEST(netns_dying_with_live_reservations_is_clean),
	TAP_TEST(reservation_socket_outliving_its_process_and_netns_owner),
};

int main(void)
{
	return run_tests(tests, ARRAY_SIZE(tests));
}
