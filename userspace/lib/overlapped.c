// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libportres: overlapped WSAIoctl() on io_uring, events on eventfds
 * (winsock_compat.h, "Overlapped operations").
 *
 * One process-wide ring and one completion thread. Submitters take the
 * lock, prepare one SQE and submit it at once (so the SQ never holds more
 * than one entry). The completion thread is the only CQ reader: for every
 * CQE it finds the operation (user_data points to it), copies the output,
 * stores the status in the overlapped, signals its event and wakes
 * WSAGetOverlappedResult(fWait), all under the lock, so that an event the
 * program closes after seeing the completion is never written to after.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>

#include <liburing.h>

#include "portres/async.h"
#include "portres/winsock_compat.h"
#include "internal.h"

#define RING_ENTRIES	256
#define UD_IGNORE	0	/* CQEs of our own cancel requests */

struct portres_wsaevent {
	int fd;
};

struct ovl_op {
	struct ovl_op *next;		/* pending list */
	LPWSAOVERLAPPED ov;
	int sock;
	void *out;			/* caller's output buffer, or NULL */
	unsigned int out_bytes;
	union portres__wsa_arg arg;	/* what the kernel reads and writes */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static struct io_uring ring;
static bool ring_ready;
static int ctlfd = -1;
static struct ovl_op *pending;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* ---- fork: the child starts without a ring ---- */

static void fork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

static void fork_child(void)
{
	/*
	 * The completion thread is the parent's; the ring stays the parent's
	 * (dropping our reference to it cancels nothing of the parent's).
	 */
	if (ring_ready)
		io_uring_queue_exit(&ring);
	if (ctlfd >= 0)
		close(ctlfd);
	ring_ready = false;
	ctlfd = -1;
	pending = NULL;		/* the parent's operations; not ours to free */
	pthread_mutex_init(&lock, NULL);
	pthread_cond_init(&done_cond, NULL);
}

static void register_atfork(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* ---- completion ---- */

static void event_signal(WSAEVENT ev)
{
	uint64_t one = 1;

	/* Only EAGAIN (counter full, so signaled anyway) can fail here. */
	if (write(ev->fd, &one, sizeof(one)) < 0)
		return;
}

/* Under the lock. */
static void complete(struct ovl_op *op, int res)
{
	LPWSAOVERLAPPED ov = op->ov;
	WSAEVENT ev = ov->hEvent;	/* read before ov may be reused */
	struct ovl_op **pp;
	ULONG_PTR status = 0, bytes = 0;

	for (pp = &pending; *pp; pp = &(*pp)->next) {
		if (*pp == op) {
			*pp = op->next;
			break;
		}
	}
	if (res < 0) {
		status = (ULONG_PTR)portres_errno_to_wsa(-res);
	} else if (op->out) {
		INET_PORT_RESERVATION_INSTANCE *out = op->out;

		memset(out, 0, op->out_bytes);
		out->Reservation.StartPort = op->arg.inst.reservation.start_port;
		out->Reservation.NumberOfPorts =
			op->arg.inst.reservation.number_of_ports;
		out->Token.Token = op->arg.inst.token.token;
		bytes = op->out_bytes;
	}
	ov->InternalHigh = bytes;
	__atomic_store_n(&ov->Internal, status, __ATOMIC_RELEASE);
	if (ev)
		event_signal(ev);
	pthread_cond_broadcast(&done_cond);
	free(op);
}

static void *completion_thread(void *unused)
{
	struct io_uring_cqe *cqe;
	sigset_t all;

	(void)unused;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		int ret = io_uring_wait_cqe(&ring, &cqe);

		if (ret == -EINTR || ret == -EAGAIN)
			continue;
		if (ret < 0)
			return NULL;	/* the ring is gone */
		pthread_mutex_lock(&lock);
		if (cqe->user_data != UD_IGNORE)
			complete((struct ovl_op *)(uintptr_t)cqe->user_data,
				 cqe->res);
		io_uring_cqe_seen(&ring, cqe);
		pthread_mutex_unlock(&lock);
	}
}

/* Under the lock: the ring, the control device and the thread, once. */
static int ring_setup(void)
{
	pthread_attr_t attr;
	pthread_t thread;
	int ret;

	if (ring_ready)
		return 0;
	pthread_once(&atfork_once, register_atfork);
	ret = portres_open();
	if (ret < 0)
		return ret == -ENOENT ? -EOPNOTSUPP : ret;	/* no module */
	ctlfd = ret;
	ret = io_uring_queue_init(RING_ENTRIES, &ring, 0);
	if (ret < 0)
		goto close_ctl;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	ret = -pthread_create(&thread, &attr, completion_thread, NULL);
	pthread_attr_destroy(&attr);
	if (ret)
		goto exit_ring;
	ring_ready = true;
	return 0;
exit_ring:
	io_uring_queue_exit(&ring);
close_ctl:
	close(ctlfd);
	ctlfd = -1;
	return ret;
}

/* Under the lock: put one SQE on the ring and submit it. */
static struct io_uring_sqe *get_sqe(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

	if (!sqe && io_uring_submit(&ring) >= 0)
		sqe = io_uring_get_sqe(&ring);
	return sqe;
}

int portres__wsa_overlapped(int s, unsigned int code, unsigned int flags,
			    const union portres__wsa_arg *arg, void *out,
			    unsigned int out_bytes, void *overlapped)
{
	LPWSAOVERLAPPED ov = overlapped;
	struct io_uring_sqe *sqe;
	struct ovl_op *op;
	int ret;

	op = calloc(1, sizeof(*op));
	if (!op)
		return portres__wsa_fail(ENOBUFS);
	op->ov = ov;
	op->sock = s;
	op->out = out;
	op->out_bytes = out_bytes;
	op->arg = *arg;

	pthread_mutex_lock(&lock);
	ret = ring_setup();
	if (ret)
		goto fail;
	sqe = get_sqe();
	if (!sqe) {
		ret = -ENOBUFS;
		goto fail;
	}
	portres_sqe_prep(sqe, ctlfd, code, s, &op->arg, flags,
			 (__u64)(uintptr_t)op);
	ov->InternalHigh = 0;
	ov->Internal = STATUS_PENDING;
	if (ov->hEvent)
		WSAResetEvent(ov->hEvent);
	op->next = pending;
	pending = op;
	ret = io_uring_submit(&ring);
	if (ret < 0) {
		/* Not submitted: the SQE goes with the next submission. */
		pending = op->next;
		sqe->opcode = IORING_OP_NOP;
		sqe->user_data = UD_IGNORE;
		ov->Internal = (ULONG_PTR)portres_errno_to_wsa(-ret);
		goto fail;
	}
	pthread_mutex_unlock(&lock);
	errno = EINPROGRESS;
	WSASetLastError(WSA_IO_PENDING);
	return SOCKET_ERROR;
fail:
	pthread_mutex_unlock(&lock);
	free(op);
	return portres__wsa_fail(-ret);
}

BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
			    LPDWORD lpcbTransfer, BOOL fWait, LPDWORD lpdwFlags)
{
	ULONG_PTR status;

	(void)s;
	if (!lpOverlapped || !lpcbTransfer || !lpdwFlags) {
		portres__wsa_fail(EFAULT);
		return FALSE;
	}
	status = __atomic_load_n(&lpOverlapped->Internal, __ATOMIC_ACQUIRE);
	if (status == STATUS_PENDING && fWait) {
		pthread_mutex_lock(&lock);
		while ((status = lpOverlapped->Internal) == STATUS_PENDING)
			pthread_cond_wait(&done_cond, &lock);
		pthread_mutex_unlock(&lock);
	}
	if (status == STATUS_PENDING) {
		errno = EINPROGRESS;
		WSASetLastError(WSA_IO_INCOMPLETE);
		return FALSE;
	}
	*lpcbTransfer = (DWORD)lpOverlapped->InternalHigh;
	*lpdwFlags = 0;
	if (status) {
		/* errno is left alone: WSAGetLastError() reports status. */
		WSASetLastError((int)status);
		return FALSE;
	}
	return TRUE;
}

BOOL CancelIoEx(HANDLE hFile, LPOVERLAPPED lpOverlapped)
{
	struct io_uring_sqe *sqe;
	struct ovl_op *op;
	bool found = false;

	pthread_mutex_lock(&lock);
	for (op = pending; op; op = op->next) {
		if (op->sock != (int)hFile ||
		    (lpOverlapped && op->ov != lpOverlapped))
			continue;
		sqe = get_sqe();
		if (!sqe)
			break;
		io_uring_prep_cancel64(sqe, (__u64)(uintptr_t)op, 0);
		sqe->user_data = UD_IGNORE;
		found = true;
	}
	if (found)
		io_uring_submit(&ring);
	pthread_mutex_unlock(&lock);
	if (!found) {
		errno = ENOENT;
		WSASetLastError((int)ERROR_NOT_FOUND);
		return FALSE;
	}
	return TRUE;
}

/* ---- events ---- */

WSAEVENT WSACreateEvent(void)
{
	WSAEVENT ev = malloc(sizeof(*ev));

	if (!ev) {
		portres__wsa_fail(ENOBUFS);
		return WSA_INVALID_EVENT;
	}
	ev->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ev->fd < 0) {
		portres__wsa_fail(errno);
		free(ev);
		return WSA_INVALID_EVENT;
	}
	return ev;
}

static BOOL bad_event(void)
{
	errno = EBADF;
	WSASetLastError(WSA_INVALID_HANDLE);
	return FALSE;
}

BOOL WSACloseEvent(WSAEVENT hEvent)
{
	if (!hEvent)
		return bad_event();
	/* Not while the completion thread may be signaling it. */
	pthread_mutex_lock(&lock);
	close(hEvent->fd);
	free(hEvent);
	pthread_mutex_unlock(&lock);
	return TRUE;
}

BOOL WSASetEvent(WSAEVENT hEvent)
{
	if (!hEvent)
		return bad_event();
	event_signal(hEvent);
	return TRUE;
}

BOOL WSAResetEvent(WSAEVENT hEvent)
{
	uint64_t v;

	if (!hEvent)
		return bad_event();
	while (read(hEvent->fd, &v, sizeof(v)) > 0)
		;
	return TRUE;
}

int WSAEventFd(WSAEVENT hEvent)
{
	return hEvent ? hEvent->fd : -1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

DWORD WSAWaitForMultipleEvents(DWORD cEvents, const WSAEVENT *lphEvents,
			       BOOL fWaitAll, DWORD dwTimeout, BOOL fAlertable)
{
	struct pollfd pfd[WSA_MAXIMUM_WAIT_EVENTS];
	long long deadline = now_ms() + dwTimeout;
	DWORD i;

	(void)fAlertable;
	if (!cEvents || cEvents > WSA_MAXIMUM_WAIT_EVENTS || !lphEvents) {
		errno = EINVAL;
		WSASetLastError(WSA_INVALID_PARAMETER);
		return WSA_WAIT_FAILED;
	}
	for (i = 0; i < cEvents; i++) {
		if (!lphEvents[i]) {
			bad_event();
			return WSA_WAIT_FAILED;
		}
		pfd[i].fd = lphEvents[i]->fd;
		pfd[i].events = POLLIN;
	}
	for (;;) {
		int ms, n, ready = 0;

		if (dwTimeout == WSA_INFINITE) {
			ms = -1;
		} else {
			long long left = deadline - now_ms();

			ms = left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
		}
		/* Poll without waiting first: waiting for all rechecks all. */
		n = poll(pfd, cEvents, 0);
		if (n < 0 && errno != EINTR) {
			portres__wsa_fail(errno);
			return WSA_WAIT_FAILED;
		}
		for (i = 0; n > 0 && i < cEvents; i++)
			ready += !!(pfd[i].revents & POLLIN);
		if (ready && !fWaitAll) {
			for (i = 0; !(pfd[i].revents & POLLIN); i++)
				;
			return WSA_WAIT_EVENT_0 + i;
		}
		if (ready == (int)cEvents)
			return WSA_WAIT_EVENT_0;
		if (ms == 0)
			return WSA_WAIT_TIMEOUT;
		if (fWaitAll) {
			/* Wait for one that is not signaled yet, a bit at a time. */
			for (i = 0; pfd[i].revents & POLLIN; i++)
				;
			n = poll(&pfd[i], 1, ms < 0 || ms > 50 ? 50 : ms);
		} else {
			n = poll(pfd, cEvents, ms);
		}
		if (n < 0 && errno != EINTR) {
			portres__wsa_fail(errno);
			return WSA_WAIT_FAILED;
		}
	}
}
