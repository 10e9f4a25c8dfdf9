// SPDX-License-Identifier: GPL-2.0
/*
 * PORTRES_F_WAIT through io_uring: an acquire of a block another
 * reservation holds stays pending and completes when the holder is
 * released, its socket closed, or (persistent) deleted; oldest waiter
 * first among overlapping blocks; a bound port still fails at once.
 * Cancellation: closing the waiting socket, tearing the ring down,
 * killing the task, IORING_OP_ASYNC_CANCEL — each -ECANCELED exactly once,
 * no reservation and no reserved-port bit left behind.
 *
 * Ports used: 14100-14199.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <stdlib.h>

#include "async_util.h"

/* ---- persistent reservation clean-up, even when a check fails ---- */

static struct portres_persistent made;
static bool made_live;

static void persistent_gone(void)
{
	int fd;

	if (!made_live)
		return;
	fd = open(PORTRES_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		ioctl(fd, PORTRES_IOC_DELETE_PERSISTENT, &made);
		close(fd);
	}
	made_live = false;
}

/* A waiter on its own socket: the instance to submit, and its fd. */
struct waiter {
	int fd;
	struct inet_port_reservation_instance inst;
};

static void waiter_submit(struct io_uring *r, int ctl, struct waiter *w,
			  int proto, uint16_t start, uint16_t n, __u64 ud)
{
	w->fd = xsock(AF_INET, proto);
	inst_set(&w->inst, start, n);
	if (portres_prep_acquire(r, ctl, w->fd, &w->inst, PORTRES_F_WAIT, ud))
		die("SQ full");
	xsubmit(r, 1);
}

static int granted(const struct waiter *w, uint16_t start, uint16_t n)
{
	CHECK(w->inst.token.token, "no token");
	CHECK(ntohs(w->inst.reservation.start_port) == start &&
	      w->inst.reservation.number_of_ports == n, "granted %u+%u",
	      ntohs(w->inst.reservation.start_port),
	      w->inst.reservation.number_of_ports);
	return 0;
}

static int completes_on_release(void)
{
	int ctl = xctl_open(), h = xsock(AF_INET6, IPPROTO_UDP);
	int other = xsock(AF_INET, IPPROTO_UDP);
	uint64_t ht = xacquire(h, 14100, 4, NULL);
	struct io_uring r;
	struct waiter w;

	xring(&r, 8);
	waiter_submit(&r, ctl, &w, IPPROTO_UDP, 14101, 2, 1);
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	CHECK(count_entries(IPPROTO_UDP, -1, 14101) == 1, "block listed twice?");
	xrelease(h, ht);
	CHECK_ERR(xreap_ud(&r, 1), 0);
	CHECK_PASS(granted(&w, 14101, 2));
	/* The waiter's reservation is real. */
	CHECK_ERR(acquire(other, 14102, 1, NULL), -EADDRINUSE);
	CHECK_OK(release(w.fd, w.inst.token.token));
	CHECK_PASS(no_cqe(&r, 100));
	io_uring_queue_exit(&r);
	close(w.fd);
	close(h);
	close(other);
	close(ctl);
	return 0;
}

static int completes_on_holder_close(void)
{
	int ctl = xctl_open(), h = xsock(AF_INET, IPPROTO_TCP);
	struct io_uring r;
	struct waiter w;

	xacquire(h, 14110, 2, NULL);
	xring(&r, 8);
	waiter_submit(&r, ctl, &w, IPPROTO_TCP, 14110, 2, 7);
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	close(h);
	CHECK_ERR(xreap_ud(&r, 7), 0);
	CHECK_PASS(granted(&w, 14110, 2));
	CHECK_OK(release(w.fd, w.inst.token.token));
	CHECK_PASS(no_cqe(&r, 100));
	io_uring_queue_exit(&r);
	close(w.fd);
	close(ctl);
	return 0;
}

static int completes_on_persistent_delete(void)
{
	int ctl = xctl_open();
	struct io_uring r;
	struct waiter w;

	memset(&made, 0, sizeof(made));
	made.protocol = IPPROTO_UDP;
	made.range.start_port = htons(14120);
	made.range.number_of_ports = 4;
	made.allowed_uid = PORTRES_ANY_ID;
	made.allowed_gid = PORTRES_ANY_ID;
	atexit(persistent_gone);
	CHECK(!ioctl(ctl, PORTRES_IOC_CREATE_PERSISTENT, &made),
	      "create persistent: %s", strerror(errno));
	made_live = true;

	xring(&r, 8);
	waiter_submit(&r, ctl, &w, IPPROTO_UDP, 14122, 1, 9);
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	CHECK(!ioctl(ctl, PORTRES_IOC_DELETE_PERSISTENT, &made),
	      "delete persistent: %s", strerror(errno));
	made_live = false;
	CHECK_ERR(xreap_ud(&r, 9), 0);
	CHECK_PASS(granted(&w, 14122, 1));
	CHECK_OK(release(w.fd, w.inst.token.token));
	CHECK_PASS(no_cqe(&r, 100));
	io_uring_queue_exit(&r);
	close(w.fd);
	close(ctl);
	return 0;
}

/*
 * H holds 14130-14131. W1 wants 14130-14133 and waits for H; W2 wants
 * 14132-14133, free in the table but wanted by the older W1: it waits too.
 * W3 wants 14134, which nobody wants: it goes at once. H's release gives
 * W1 its block, W2 still waits (now for W1's reservation).
 * Then two waiters for one block: first come, first served.
 */
static int oldest_waiter_first(void)
{
	int ctl = xctl_open(), h = xsock(AF_INET, IPPROTO_UDP);
	uint64_t ht = xacquire(h, 14130, 2, NULL);
	struct waiter w1, w2, w3, w4, w5;
	struct io_uring r;

	xring(&r, 16);
	waiter_submit(&r, ctl, &w1, IPPROTO_UDP, 14130, 4, 1);
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	waiter_submit(&r, ctl, &w2, IPPROTO_UDP, 14132, 2, 2);
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	waiter_submit(&r, ctl, &w3, IPPROTO_UDP, 14134, 1, 3);
	CHECK_ERR(xreap_ud(&r, 3), 0);
	CHECK_PASS(granted(&w3, 14134, 1));
	xrelease(h, ht);
	CHECK_ERR(xreap_ud(&r, 1), 0);
	CHECK_PASS(granted(&w1, 14130, 4));
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	xrelease(w1.fd, w1.inst.token.token);
	CHECK_ERR(xreap_ud(&r, 2), 0);
	CHECK_PASS(granted(&w2, 14132, 2));

	/* w4 then w5 for w2's block: w4 gets it, w5 after w4's close. */
	waiter_submit(&r, ctl, &w4, IPPROTO_UDP, 14133, 1, 4);
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	waiter_submit(&r, ctl, &w5, IPPROTO_UDP, 14133, 1, 5);
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	close(w2.fd);
	CHECK_ERR(xreap_ud(&r, 4), 0);
	CHECK_PASS(granted(&w4, 14133, 1));
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	close(w4.fd);
	CHECK_ERR(xreap_ud(&r, 5), 0);
	CHECK_PASS(granted(&w5, 14133, 1));
	CHECK_PASS(no_cqe(&r, 100));

	io_uring_queue_exit(&r);
	close(w1.fd);
	close(w3.fd);
	close(w5.fd);
	close(h);
	close(ctl);
	CHECK(count_entries(IPPROTO_UDP, getpid(), 0) == 0, "reservations left");
	return 0;
}

/* A bound port is not a reservation: no waiting. A wildcard never waits. */
static int no_wait_for_bound_ports(void)
{
	int ctl = xctl_open(), b = xsock(AF_INET, IPPROTO_UDP);
	int s = xsock(AF_INET6, IPPROTO_UDP);
	struct inet_port_reservation_instance inst;
	struct io_uring r;

	xring(&r, 8);
	CHECK_OK(bind_port(b, 14141));
	inst_set(&inst, 14140, 2);
	CHECK_ERR(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst,
		       PORTRES_F_WAIT), -EADDRINUSE);
	inst_set(&inst, 0, 3);
	CHECK_OK(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst,
		      PORTRES_F_WAIT));
	CHECK(inst.reservation.start_port && inst.token.token, "wildcard");
	CHECK_OK(release(s, inst.token.token));
	/* A free specific block with the flag: at once. */
	inst_set(&inst, 14142, 2);
	CHECK_OK(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &inst,
		      PORTRES_F_WAIT));
	CHECK_OK(release(s, inst.token.token));
	CHECK_PASS(no_cqe(&r, 100));
	io_uring_queue_exit(&r);
	close(b);
	close(s);
	close(ctl);
	return 0;
}

static int cancel_by_socket_close(void)
{
	int ctl = xctl_open(), h = xsock(AF_INET, IPPROTO_TCP);
	uint64_t ht = xacquire(h, 14150, 2, NULL);
	struct waiter w, w2;
	struct io_uring r;

	xring(&r, 8);
	waiter_submit(&r, ctl, &w, IPPROTO_TCP, 14150, 2, 1);
	waiter_submit(&r, ctl, &w2, IPPROTO_TCP, 14151, 1, 2);
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	close(w.fd);
	CHECK_ERR(xreap_ud(&r, 1), -ECANCELED);
	CHECK(!w.inst.token.token, "token written for a canceled wait");
	/* The other waiter still waits, and gets the block. */
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	xrelease(h, ht);
	CHECK_ERR(xreap_ud(&r, 2), 0);
	CHECK_PASS(granted(&w2, 14151, 1));
	close(w2.fd);
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	CHECK(count_entries(IPPROTO_TCP, -1, 14150) == 0 &&
	      count_entries(IPPROTO_TCP, -1, 14151) == 0, "block still reserved");
	io_uring_queue_exit(&r);
	close(h);
	close(ctl);
	return 0;
}

/* The running kernel's major version. */
static int kernel_major(void)
{
	struct utsname u;

	if (uname(&u))
		die("uname: %s", strerror(errno));
	return atoi(u.release);
}

static int cancel_by_async_cancel(void)
{
	int ctl = xctl_open(), h = xsock(AF_INET, IPPROTO_UDP);
	uint64_t ht = xacquire(h, 14160, 1, NULL);
	int i, res, tries, got_cancel = 0, got_cmd = 0;
	struct io_uring r;
	struct waiter w;
	__u64 ud;

	xring(&r, 8);
	waiter_submit(&r, ctl, &w, IPPROTO_UDP, 14160, 1, 1);
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	/*
	 * The wait sleeps in io-wq. A cancel that comes while io_uring is
	 * still handing the command over finds nothing (-ENOENT, seen once
	 * on 7.2 under load): the command is still pending, so ask again.
	 */
	for (tries = 1;; tries++) {
		CHECK_OK(portres_prep_cancel(&r, 1, 99));
		xsubmit(&r, 1);
		CHECK_OK(reap(&r, CQE_MS, &ud, &res));
		if (ud != 99 || res != -ENOENT || tries == 50)
			break;
		usleep(20000);
	}
	if (tries > 1)
		tap_diag("the cancel found the wait at try %d", tries);
	/*
	 * 7.x's io_uring sometimes does not find a uring_cmd that sleeps in
	 * io-wq (seen on 7.2, about one run in two); DESIGN promises the
	 * cancel "where the kernel allows it". There, the command must stay
	 * pending and complete when the holder lets go. 6.x must cancel.
	 */
	if (ud == 99 && res == -ENOENT && kernel_major() >= 7) {
		tap_diag("io_uring did not find the waiting command after %d cancels: it stays pending",
			 tries);
		CHECK_PASS(no_cqe(&r, 100));
		xrelease(h, ht);
		CHECK_ERR(xreap_ud(&r, 1), 0);
		close(w.fd);
		CHECK(count_entries(IPPROTO_UDP, -1, 14160) == 0,
		      "block reserved after the waiter's socket closed");
		io_uring_queue_exit(&r);
		close(h);
		close(ctl);
		return 0;
	}
	for (i = 0; i < 2; i++) {
		if (i)
			CHECK_OK(reap(&r, CQE_MS, &ud, &res));
		if (ud == 99) {
			CHECK(!got_cancel++, "cancel CQE twice");
			/* The wait is running in io-wq: it is signaled. */
			CHECK_ERR(res, -EALREADY);
		} else {
			CHECK(ud == 1 && !got_cmd++, "CQE user_data %llu",
			      (unsigned long long)ud);
			CHECK_ERR(res, -ECANCELED);
		}
	}
	CHECK_PASS(no_cqe(&r, 100));
	/* Canceling what is gone: -ENOENT. */
	CHECK_OK(portres_prep_cancel(&r, 1, 98));
	xsubmit(&r, 1);
	CHECK_ERR(xreap_ud(&r, 98), -ENOENT);
	xrelease(h, ht);
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	CHECK(count_entries(IPPROTO_UDP, -1, 14160) == 0, "block reserved");
	io_uring_queue_exit(&r);
	close(w.fd);
	close(h);
	close(ctl);
	return 0;
}

/* ---- ring exit: a child tears its ring down with a wait pending ---- */

static struct hs hs;

static int ring_exit_child(void *arg)
{
	int ctl = xctl_open();
	struct io_uring r;
	struct waiter w;

	(void)arg;
	hs_child_side(&hs);
	xring(&r, 8);
	waiter_submit(&r, ctl, &w, IPPROTO_UDP, 14170, 2, 1);
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	io_uring_queue_exit(&r);
	msleep(200);
	hs_post(hs.to_parent[1]);	/* the parent releases the holder */
	hs_wait(hs.to_child[0]);
	msleep(300);
	/* A wait that outlived its ring would have taken the block by now. */
	CHECK(count_entries(IPPROTO_UDP, -1, 14170) == 0,
	      "the canceled wait took the block");
	CHECK(count_entries(0, getpid(), 0) == 0, "the child holds a block");
	close(w.fd);
	close(ctl);
	return 0;
}

static int cancel_by_ring_exit(void)
{
	int h = xsock(AF_INET, IPPROTO_UDP);
	uint64_t ht = xacquire(h, 14170, 2, NULL);
	pid_t pid;

	hs_init(&hs);
	pid = child_start(ring_exit_child, NULL);
	hs_parent_side(&hs);
	hs_wait(hs.to_parent[0]);
	xrelease(h, ht);
	hs_post(hs.to_child[1]);
	CHECK_ERR(child_wait(pid), 0);
	CHECK(count_entries(IPPROTO_UDP, -1, 14170) == 0, "block reserved");
	close(h);
	return 0;
}

/* ---- task exit: a child is killed with waits pending ---- */

static int killed_child(void *arg)
{
	struct inet_port_reservation_instance own;
	int ctl = xctl_open(), s = xsock(AF_INET, IPPROTO_UDP);
	struct waiter w[3];
	struct io_uring r;

	(void)arg;
	hs_child_side(&hs);
	xring(&r, 8);
	/* A reservation of its own, which its death must end too. */
	inst_set(&own, 14185, 2);
	CHECK_OK(run1(&r, ctl, SIO_ACQUIRE_PORT_RESERVATION, s, &own, 0));
	waiter_submit(&r, ctl, &w[0], IPPROTO_UDP, 14180, 1, 1);
	waiter_submit(&r, ctl, &w[1], IPPROTO_UDP, 14180, 2, 2);
	waiter_submit(&r, ctl, &w[2], IPPROTO_UDP, 14182, 1, 3);
	CHECK_PASS(no_cqe(&r, PENDING_MS));
	hs_post(hs.to_parent[1]);
	for (;;)
		pause();
}

static int cancel_by_task_exit(void)
{
	int h = xsock(AF_INET, IPPROTO_UDP), h2 = xsock(AF_INET, IPPROTO_UDP);
	struct portset orig, before, after;
	uint64_t t1, t2;
	int status, i;
	pid_t pid;

	xreserved_ports_read(&orig);
	t1 = xacquire(h, 14180, 2, NULL);
	t2 = xacquire(h2, 14182, 1, NULL);
	xreserved_ports_read(&before);
	hs_init(&hs);
	pid = child_start(killed_child, NULL);
	hs_parent_side(&hs);
	hs_wait(hs.to_parent[0]);
	CHECK(count_entries(IPPROTO_UDP, pid, 14185) == 1, "child's block missing");
	CHECK(!kill(pid, SIGKILL), "kill");
	/* Must not hang: 10 s at most. */
	for (i = 0; i < 1000; i++) {
		pid_t got = waitpid(pid, &status, WNOHANG);

		CHECK(got >= 0, "waitpid: %s", strerror(errno));
		if (got == pid)
			break;
		msleep(10);
	}
	CHECK(i < 1000, "killed child did not exit within 10 s");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x",
	      status);
	CHECK(count_entries(0, pid, 0) == 0, "the dead child still holds blocks");
	CHECK(count_entries(IPPROTO_UDP, -1, 14185) == 0, "block 14185 reserved");
	xreserved_ports_read(&after);
	CHECK(!memcmp(&before, &after, sizeof(after)),
	      "ip_local_reserved_ports changed by the killed child");

	/* The holders go: the dead child's waits must not take the blocks. */
	xrelease(h, t1);
	xrelease(h2, t2);
	msleep(PENDING_MS);
	CHECK(count_entries(IPPROTO_UDP, -1, 14180) == 0 &&
	      count_entries(IPPROTO_UDP, -1, 14181) == 0 &&
	      count_entries(IPPROTO_UDP, -1, 14182) == 0,
	      "a dead waiter took a block");
	xreserved_ports_read(&after);
	CHECK(!memcmp(&orig, &after, sizeof(after)),
	      "ip_local_reserved_ports not back to its original");
	close(h);
	close(h2);
	return 0;
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP_TEST(completes_on_release),
		TAP_TEST(completes_on_holder_close),
		TAP_TEST(completes_on_persistent_delete),
		TAP_TEST(oldest_waiter_first),
		TAP_TEST(no_wait_for_bound_ports),
		TAP_TEST(cancel_by_socket_close),
		TAP_TEST(cancel_by_async_cancel),
		TAP_TEST(cancel_by_ring_exit),
		TAP_TEST(cancel_by_task_exit),
	};

	return run_tests(tests, ARRAY_SIZE(tests));
}
