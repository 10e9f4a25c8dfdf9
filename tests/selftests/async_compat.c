// SPDX-License-Identifier: GPL-2.0
/*
 * The Windows overlapped sequence through winsock_compat.h: WSAIoctl with
 * an lpOverlapped -> SOCKET_ERROR + WSA_IO_PENDING -> the event is
 * signaled -> WSAGetOverlappedResult gives the result; errors and aborts
 * as WSA codes; the PORTRES_SIO_ACQUIRE_PORT_RESERVATION_WAIT extension;
 * CancelIoEx; WSAWaitForMultipleEvents.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#define PORTRES_NO_WPRINTF
#include <portres/winsock_compat.h>

#include "portres_test.h"

#define DONE_MS	5000

PORTRES_FIXTURE(async_compat, PORTRES_NETNS);

/* Start an overlapped acquire; SOCKET_ERROR + WSA_IO_PENDING expected. */
static void start_acquire(struct __test_metadata *_metadata, SOCKET s,
			  DWORD code, uint16_t port, uint16_t n,
			  INET_PORT_RESERVATION_INSTANCE *out, WSAOVERLAPPED *ov)
{
	INET_PORT_RANGE range = { htons(port), n };
	DWORD bytes = 77;

	memset(out, 0, sizeof(*out));
	ASSERT_EQ(SOCKET_ERROR, WSAIoctl(s, code, &range, sizeof(range), out,
					 sizeof(*out), &bytes, ov, NULL))
		TH_LOG("not pending");
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
}

static void start_token_op(struct __test_metadata *_metadata, SOCKET s,
			   DWORD code, INET_PORT_RESERVATION_TOKEN *t,
			   WSAOVERLAPPED *ov)
{
	DWORD bytes = 77;

	ASSERT_TRUE(WSAIoctl(s, code, t, sizeof(*t), NULL, 0, &bytes, ov,
			     NULL) == SOCKET_ERROR &&
		    WSAGetLastError() == WSA_IO_PENDING)
		TH_LOG("not pending: %d", WSAGetLastError());
}

/* The result: TRUE and cb, or FALSE and the WSA error (want_err). */
static void result_is(struct __test_metadata *_metadata, SOCKET s,
		      WSAOVERLAPPED *ov, BOOL wait, int want_err, DWORD want_cb)
{
	DWORD cb = 1234, flags = 99;
	BOOL ok = WSAGetOverlappedResult(s, ov, &cb, wait, &flags);

	if (!want_err) {
		ASSERT_EQ(TRUE, ok)
			TH_LOG("FALSE, WSAGetLastError %d", WSAGetLastError());
		ASSERT_TRUE(cb == want_cb && flags == 0)
			TH_LOG("cb %u flags %u", cb, flags);
		ASSERT_TRUE(HasOverlappedIoCompleted(ov)) TH_LOG("not completed");
	} else {
		ASSERT_EQ(FALSE, ok) TH_LOG("TRUE, want error %d", want_err);
		ASSERT_EQ(want_err, WSAGetLastError());
	}
}

/* Synchronous WSAIoctl acquire and release: they must work. */
static void sync_acquire(struct __test_metadata *_metadata, SOCKET s,
			 uint16_t port, uint16_t n,
			 INET_PORT_RESERVATION_INSTANCE *out)
{
	INET_PORT_RANGE range = { htons(port), n };
	DWORD bytes = 0;

	ASSERT_EQ(0, WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range,
			      sizeof(range), out, sizeof(*out), &bytes, NULL,
			      NULL))
		TH_LOG("sync acquire: %d", WSAGetLastError());
	ASSERT_EQ(sizeof(*out), bytes);
}

static void sync_release(struct __test_metadata *_metadata, SOCKET s,
			 INET_PORT_RESERVATION_TOKEN *t)
{
	DWORD bytes;

	ASSERT_EQ(0, WSAIoctl(s, SIO_RELEASE_PORT_RESERVATION, t, sizeof(*t),
			      NULL, 0, &bytes, NULL, NULL))
		TH_LOG("sync release: %d", WSAGetLastError());
}

TEST_F(async_compat, overlapped_sequence)
{
	SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	SOCKET s2 = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	INET_PORT_RESERVATION_INSTANCE inst;
	WSAOVERLAPPED ov;
	WSAEVENT ev;
	WSADATA wd;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int len = sizeof(sin);

	ASSERT_EQ(0, WSAStartup(MAKEWORD(2, 2), &wd)) TH_LOG("WSAStartup");
	ev = WSACreateEvent();
	ASSERT_NE(WSA_INVALID_EVENT, ev) TH_LOG("WSACreateEvent");
	memset(&ov, 0, sizeof(ov));
	ov.hEvent = ev;

	start_acquire(_metadata, s, SIO_ACQUIRE_PORT_RESERVATION, 14200, 4,
		      &inst, &ov);
	ASSERT_EQ(WSA_WAIT_EVENT_0,
		  WSAWaitForMultipleEvents(1, &ev, TRUE, DONE_MS, FALSE))
		TH_LOG("event not signaled");
	result_is(_metadata, s, &ov, FALSE, 0, sizeof(inst));
	ASSERT_TRUE(inst.Reservation.StartPort == htons(14200) &&
		    inst.Reservation.NumberOfPorts == 4 && inst.Token.Token)
		TH_LOG("granted %u+%u token %llu",
		       ntohs(inst.Reservation.StartPort),
		       inst.Reservation.NumberOfPorts,
		       (unsigned long long)inst.Token.Token);

	/* Associate, overlapped, then bind into the block. */
	ASSERT_TRUE(WSAResetEvent(ev)) TH_LOG("WSAResetEvent");
	ASSERT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(1, &ev, FALSE, 0, FALSE))
		TH_LOG("reset event still signaled");
	start_token_op(_metadata, s2, SIO_ASSOCIATE_PORT_RESERVATION,
		       &inst.Token, &ov);
	result_is(_metadata, s2, &ov, TRUE, 0, 0);
	ASSERT_EQ(0, bind(s2, (struct sockaddr *)&sin, sizeof(sin)))
		TH_LOG("bind: %d", WSAGetLastError());
	ASSERT_EQ(0, getsockname(s2, (struct sockaddr *)&sin, &len))
		TH_LOG("getsockname: %d", WSAGetLastError());
	ASSERT_TRUE(ntohs(sin.sin_port) >= 14200 && ntohs(sin.sin_port) < 14204)
		TH_LOG("bound to %u", ntohs(sin.sin_port));

	/* Release; then again: the token is gone (WSAEINVAL). */
	start_token_op(_metadata, s, SIO_RELEASE_PORT_RESERVATION, &inst.Token,
		       &ov);
	ASSERT_EQ(WSA_WAIT_EVENT_0,
		  WSAWaitForMultipleEvents(1, &ev, TRUE, DONE_MS, FALSE))
		TH_LOG("event not signaled");
	result_is(_metadata, s, &ov, FALSE, 0, 0);
	start_token_op(_metadata, s, SIO_RELEASE_PORT_RESERVATION, &inst.Token,
		       &ov);
	result_is(_metadata, s, &ov, TRUE, WSAEINVAL, 0);

	ASSERT_TRUE(WSACloseEvent(ev)) TH_LOG("WSACloseEvent");
	closesocket(s);
	closesocket(s2);
	WSACleanup();
}

TEST_F(async_compat, overlapped_errors)
{
	SOCKET s = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	SOCKET h = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	INET_PORT_RESERVATION_INSTANCE inst, held;
	INET_PORT_RANGE range = { htons(14210), 2 };
	WSAOVERLAPPED ov;
	DWORD bytes;

	memset(&ov, 0, sizeof(ov));	/* no event: WSAGetOverlappedResult waits */
	sync_acquire(_metadata, h, 14210, 2, &held);

	/* Held block: WSAEADDRINUSE when the result comes. */
	start_acquire(_metadata, s, SIO_ACQUIRE_PORT_RESERVATION, 14211, 1,
		      &inst, &ov);
	result_is(_metadata, s, &ov, TRUE, WSAEADDRINUSE, 0);
	/* Not a socket: WSAENOTSOCK. */
	start_acquire(_metadata, devnull, SIO_ACQUIRE_PORT_RESERVATION, 14212,
		      1, &inst, &ov);
	result_is(_metadata, devnull, &ov, TRUE, WSAENOTSOCK, 0);
	/* Argument errors fail at once, not pending. */
	ASSERT_TRUE(WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, 2, &inst,
			     sizeof(inst), &bytes, &ov, NULL) == SOCKET_ERROR &&
		    WSAGetLastError() == WSAEINVAL)
		TH_LOG("short input: %d", WSAGetLastError());
	ASSERT_TRUE(WSAIoctl(s, 0x12345678, &range, sizeof(range), &inst,
			     sizeof(inst), &bytes, &ov, NULL) == SOCKET_ERROR &&
		    WSAGetLastError() == WSAEOPNOTSUPP)
		TH_LOG("unknown code: %d", WSAGetLastError());
	/* Completion routines are not supported. */
	ASSERT_TRUE(WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range,
			     sizeof(range), &inst, sizeof(inst), &bytes, &ov,
			     (LPWSAOVERLAPPED_COMPLETION_ROUTINE)1) ==
		    SOCKET_ERROR && WSAGetLastError() == WSAEOPNOTSUPP)
		TH_LOG("completion routine: %d", WSAGetLastError());
	/* The wait extension is overlapped only. */
	ASSERT_TRUE(WSAIoctl(s, PORTRES_SIO_ACQUIRE_PORT_RESERVATION_WAIT,
			     &range, sizeof(range), &inst, sizeof(inst),
			     &bytes, NULL, NULL) == SOCKET_ERROR &&
		    WSAGetLastError() == WSAEINVAL)
		TH_LOG("synchronous wait: %d", WSAGetLastError());
	/* Nothing pending for this socket: CancelIoEx says so. */
	ASSERT_TRUE(!CancelIoEx((HANDLE)s, NULL) &&
		    WSAGetLastError() == (int)ERROR_NOT_FOUND)
		TH_LOG("CancelIoEx: %d", WSAGetLastError());

	sync_release(_metadata, h, &held.Token);
	close(devnull);
	closesocket(s);
	closesocket(h);
}

/* The wait extension: pending until the holder goes; aborts. */
TEST_F(async_compat, overlapped_wait_and_abort)
{
	SOCKET h = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	SOCKET w = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	SOCKET w2 = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	SOCKET w3 = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	INET_PORT_RESERVATION_INSTANCE held, inst, inst2, inst3;
	WSAOVERLAPPED ov, ov2, ov3;
	WSAEVENT ev = WSACreateEvent();

	ASSERT_TRUE(ev) TH_LOG("WSACreateEvent");
	memset(&ov, 0, sizeof(ov));
	ov.hEvent = ev;
	memset(&ov2, 0, sizeof(ov2));
	memset(&ov3, 0, sizeof(ov3));
	sync_acquire(_metadata, h, 14220, 2, &held);

	start_acquire(_metadata, w, PORTRES_SIO_ACQUIRE_PORT_RESERVATION_WAIT,
		      14220, 2, &inst, &ov);
	ASSERT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(1, &ev, FALSE, 300, FALSE))
		TH_LOG("completed while the block is held");
	ASSERT_FALSE(HasOverlappedIoCompleted(&ov)) TH_LOG("completed");
	result_is(_metadata, w, &ov, FALSE, WSA_IO_INCOMPLETE, 0);
	sync_release(_metadata, h, &held.Token);
	ASSERT_EQ(WSA_WAIT_EVENT_0,
		  WSAWaitForMultipleEvents(1, &ev, FALSE, DONE_MS, FALSE))
		TH_LOG("not signaled after the release");
	result_is(_metadata, w, &ov, FALSE, 0, sizeof(inst));
	ASSERT_TRUE(inst.Reservation.StartPort == htons(14220) &&
		    inst.Token.Token)
		TH_LOG("granted %u", ntohs(inst.Reservation.StartPort));

	/* closesocket aborts a pending wait. */
	start_acquire(_metadata, w2, PORTRES_SIO_ACQUIRE_PORT_RESERVATION_WAIT,
		      14221, 1, &inst2, &ov2);
	result_is(_metadata, w2, &ov2, FALSE, WSA_IO_INCOMPLETE, 0);
	usleep(300000);
	ASSERT_EQ(0, closesocket(w2)) TH_LOG("closesocket");
	result_is(_metadata, w2, &ov2, TRUE, WSA_OPERATION_ABORTED, 0);

	/* So does CancelIoEx. */
	start_acquire(_metadata, w3, PORTRES_SIO_ACQUIRE_PORT_RESERVATION_WAIT,
		      14220, 1, &inst3, &ov3);
	usleep(300000);
	ASSERT_TRUE(CancelIoEx((HANDLE)w3, &ov3))
		TH_LOG("CancelIoEx: %d", WSAGetLastError());
	result_is(_metadata, w3, &ov3, TRUE, WSA_OPERATION_ABORTED, 0);
	ASSERT_EQ(0, inst3.Token.Token) TH_LOG("token of an aborted acquire");

	sync_release(_metadata, w, &inst.Token);
	WSACloseEvent(ev);
	closesocket(h);
	closesocket(w);
	closesocket(w3);
}

TEST_F(async_compat, wait_for_multiple_events)
{
	SOCKET s = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
	INET_PORT_RESERVATION_INSTANCE inst;
	WSAEVENT ev[2] = { WSACreateEvent(), WSACreateEvent() };
	struct pollfd pfd;
	WSAOVERLAPPED ov;

	ASSERT_TRUE(ev[0] && ev[1]) TH_LOG("WSACreateEvent");
	memset(&ov, 0, sizeof(ov));
	ov.hEvent = ev[1];
	start_acquire(_metadata, s, SIO_ACQUIRE_PORT_RESERVATION, 0, 3, &inst,
		      &ov);
	ASSERT_EQ(WSA_WAIT_EVENT_0 + 1,
		  WSAWaitForMultipleEvents(2, ev, FALSE, DONE_MS, FALSE))
		TH_LOG("not the second event");
	/* Manual reset: still signaled; the eventfd polls readable. */
	pfd.fd = WSAEventFd(ev[1]);
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 0)) TH_LOG("eventfd not readable");
	ASSERT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(2, ev, TRUE, 200, FALSE))
		TH_LOG("wait-all with one event unsignaled");
	ASSERT_TRUE(WSASetEvent(ev[0])) TH_LOG("WSASetEvent");
	ASSERT_EQ(WSA_WAIT_EVENT_0,
		  WSAWaitForMultipleEvents(2, ev, TRUE, DONE_MS, FALSE))
		TH_LOG("wait-all");
	result_is(_metadata, s, &ov, FALSE, 0, sizeof(inst));
	ASSERT_TRUE(inst.Reservation.NumberOfPorts == 3 &&
		    inst.Reservation.StartPort)
		TH_LOG("wildcard block");
	sync_release(_metadata, s, &inst.Token);
	ASSERT_EQ(WSA_WAIT_EVENT_0,
		  WSAWaitForMultipleEvents(1, &ev[0], FALSE, 0, FALSE))
		TH_LOG("set event");
	ASSERT_EQ(WSA_WAIT_FAILED,
		  WSAWaitForMultipleEvents(0, ev, FALSE, 0, FALSE))
		TH_LOG("no events");
	WSACloseEvent(ev[0]);
	WSACloseEvent(ev[1]);
	closesocket(s);
}

TEST_HARNESS_MAIN
