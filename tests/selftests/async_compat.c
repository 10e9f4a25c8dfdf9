// SPDX-License-Identifier: GPL-2.0
/*
 * The Windows overlapped sequence through winsock_compat.h: WSAIoctl with
 * an lpOverlapped -> SOCKET_ERROR + WSA_IO_PENDING -> the event is
 * signaled -> WSAGetOverlappedResult gives the result; errors and aborts
 * as WSA codes; the PORTRES_SIO_ACQUIRE_PORT_RESERVATION_WAIT extension;
 * CancelIoEx; WSAWaitForMultipleEvents.
 *
 * Ports used: 14200-14299.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#define PORTRES_NO_WPRINTF
#include <portres/winsock_compat.h>

#include "portres_util.h"

#define DONE_MS	5000

/* Start an overlapped acquire; SOCKET_ERROR + WSA_IO_PENDING expected. */
static int start_acquire(SOCKET s, DWORD code, uint16_t port, uint16_t n,
			 INET_PORT_RESERVATION_INSTANCE *out, WSAOVERLAPPED *ov)
{
	INET_PORT_RANGE range = { htons(port), n };
	DWORD bytes = 77;

	memset(out, 0, sizeof(*out));
	CHECK(WSAIoctl(s, code, &range, sizeof(range), out, sizeof(*out),
		       &bytes, ov, NULL) == SOCKET_ERROR, "not pending");
	CHECK(WSAGetLastError() == WSA_IO_PENDING, "WSAGetLastError %d",
	      WSAGetLastError());
	return 0;
}

static int start_token_op(SOCKET s, DWORD code, INET_PORT_RESERVATION_TOKEN *t,
			  WSAOVERLAPPED *ov)
{
	DWORD bytes = 77;

	CHECK(WSAIoctl(s, code, t, sizeof(*t), NULL, 0, &bytes, ov, NULL) ==
	      SOCKET_ERROR && WSAGetLastError() == WSA_IO_PENDING,
	      "not pending: %d", WSAGetLastError());
	return 0;
}

/* The result: TRUE and cb, or FALSE and the WSA error (want_err). */
static int result_is(SOCKET s, WSAOVERLAPPED *ov, BOOL wait, int want_err,
		     DWORD want_cb)
{
	DWORD cb = 1234, flags = 99;
	BOOL ok = WSAGetOverlappedResult(s, ov, &cb, wait, &flags);

	if (!want_err) {
		CHECK(ok == TRUE, "FALSE, WSAGetLastError %d", WSAGetLastError());
		CHECK(cb == want_cb && flags == 0, "cb %u flags %u", cb, flags);
		CHECK(HasOverlappedIoCompleted(ov), "not completed");
	} else {
		CHECK(ok == FALSE, "TRUE, want error %d", want_err);
		CHECK(WSAGetLastError() == want_err, "WSAGetLastError %d, want %d",
		      WSAGetLastError(), want_err);
	}
	return 0;
}

static int overlapped_sequence(void)
{
	SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	SOCKET s2 = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	INET_PORT_RESERVATION_INSTANCE inst;
	WSAOVERLAPPED ov;
	WSAEVENT ev;
	WSADATA wd;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int len = sizeof(sin);

	CHECK(WSAStartup(MAKEWORD(2, 2), &wd) == 0, "WSAStartup");
	ev = WSACreateEvent();
	CHECK(ev != WSA_INVALID_EVENT, "WSACreateEvent");
	memset(&ov, 0, sizeof(ov));
	ov.hEvent = ev;

	CHECK_PASS(start_acquire(s, SIO_ACQUIRE_PORT_RESERVATION, 14200, 4,
				 &inst, &ov));
	CHECK(WSAWaitForMultipleEvents(1, &ev, TRUE, DONE_MS, FALSE) ==
	      WSA_WAIT_EVENT_0, "event not signaled");
	CHECK_PASS(result_is(s, &ov, FALSE, 0, sizeof(inst)));
	CHECK(inst.Reservation.StartPort == htons(14200) &&
	      inst.Reservation.NumberOfPorts == 4 && inst.Token.Token,
	      "granted %u+%u token %llu", ntohs(inst.Reservation.StartPort),
	      inst.Reservation.NumberOfPorts,
	      (unsigned long long)inst.Token.Token);

	/* Associate, overlapped, then bind into the block. */
	CHECK(WSAResetEvent(ev), "WSAResetEvent");
	CHECK(WSAWaitForMultipleEvents(1, &ev, FALSE, 0, FALSE) ==
	      WSA_WAIT_TIMEOUT, "reset event still signaled");
	CHECK_PASS(start_token_op(s2, SIO_ASSOCIATE_PORT_RESERVATION,
				  &inst.Token, &ov));
	CHECK_PASS(result_is(s2, &ov, TRUE, 0, 0));
	CHECK(bind(s2, (struct sockaddr *)&sin, sizeof(sin)) == 0, "bind");
	CHECK(getsockname(s2, (struct sockaddr *)&sin, &len) == 0, "getsockname");
	CHECK(ntohs(sin.sin_port) >= 14200 && ntohs(sin.sin_port) < 14204,
	      "bound to %u", ntohs(sin.sin_port));

	/* Release; then again: the token is gone (WSAEINVAL). */
	CHECK_PASS(start_token_op(s, SIO_RELEASE_PORT_RESERVATION, &inst.Token,
				  &ov));
	CHECK(WSAWaitForMultipleEvents(1, &ev, TRUE, DONE_MS, FALSE) ==
	      WSA_WAIT_EVENT_0, "event not signaled");
	CHECK_PASS(result_is(s, &ov, FALSE, 0, 0));
	CHECK_PASS(start_token_op(s, SIO_RELEASE_PORT_RESERVATION, &inst.Token,
				  &ov));
	CHECK_PASS(result_is(s, &ov, TRUE, WSAEINVAL, 0));

	CHECK(WSACloseEvent(ev), "WSACloseEvent");
	closesocket(s);
	closesocket(s2);
	WSACleanup();
	return 0;
}

static int overlapped_errors(void)
{
	SOCKET s = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	SOCKET h = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	INET_PORT_RESERVATION_INSTANCE inst, held;
	INET_PORT_RANGE range = { htons(14210), 2 };
	WSAOVERLAPPED ov;
	DWORD bytes;

	memset(&ov, 0, sizeof(ov));	/* no event: WSAGetOverlappedResult waits */
	CHECK(WSAIoctl(h, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range),
		       &held, sizeof(held), &bytes, NULL, NULL) == 0,
	      "sync acquire: %d", WSAGetLastError());

	/* Held block: WSAEADDRINUSE when the result comes. */
	CHECK_PASS(start_acquire(s, SIO_ACQUIRE_PORT_RESERVATION, 14211, 1,
				 &inst, &ov));
	CHECK_PASS(result_is(s, &ov, TRUE, WSAEADDRINUSE, 0));
	/* Not a socket: WSAENOTSOCK. */
	CHECK_PASS(start_acquire(devnull, SIO_ACQUIRE_PORT_RESERVATION, 14212,
				 1, &inst, &ov));
	CHECK_PASS(result_is(devnull, &ov, TRUE, WSAENOTSOCK, 0));
	/* Argument errors fail at once, not pending. */
	CHECK(WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, 2, &inst,
		       sizeof(inst), &bytes, &ov, NULL) == SOCKET_ERROR &&
	      WSAGetLastError() == WSAEINVAL, "short input: %d", WSAGetLastError());
	CHECK(WSAIoctl(s, 0x12345678, &range, sizeof(range), &inst, sizeof(inst),
		       &bytes, &ov, NULL) == SOCKET_ERROR &&
	      WSAGetLastError() == WSAEOPNOTSUPP, "unknown code: %d",
	      WSAGetLastError());
	/* Completion routines are not supported. */
	CHECK(WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range),
		       &inst, sizeof(inst), &bytes, &ov,
		       (LPWSAOVERLAPPED_COMPLETION_ROUTINE)1) == SOCKET_ERROR &&
	      WSAGetLastError() == WSAEOPNOTSUPP, "completion routine: %d",
	      WSAGetLastError());
	/* The wait extension is overlapped only. */
	CHECK(WSAIoctl(s, PORTRES_SIO_ACQUIRE_PORT_RESERVATION_WAIT, &range,
		       sizeof(range), &inst, sizeof(inst), &bytes, NULL, NULL) ==
	      SOCKET_ERROR && WSAGetLastError() == WSAEINVAL,
	      "synchronous wait: %d", WSAGetLastError());
	/* Nothing pending for this socket: CancelIoEx says so. */
	CHECK(!CancelIoEx((HANDLE)s, NULL) &&
	      WSAGetLastError() == (int)ERROR_NOT_FOUND, "CancelIoEx: %d",
	      WSAGetLastError());

	CHECK(WSAIoctl(h, SIO_RELEASE_PORT_RESERVATION, &held.Token,
		       sizeof(held.Token), NULL, 0, &bytes, NULL, NULL) == 0,
	      "sync release");
	close(devnull);
	closesocket(s);
	closesocket(h);
	return 0;
}

/* The wait extension: pending until the holder goes; aborts. */
static int overlapped_wait_and_abort(void)
{
	SOCKET h = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	SOCKET w = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	SOCKET w2 = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	SOCKET w3 = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	INET_PORT_RESERVATION_INSTANCE held, inst, inst2, inst3;
	INET_PORT_RANGE range = { htons(14220), 2 };
	WSAOVERLAPPED ov, ov2, ov3;
	WSAEVENT ev = WSACreateEvent();
	DWORD bytes;

	CHECK(ev, "WSACreateEvent");
	memset(&ov, 0, sizeof(ov));
	ov.hEvent = ev;
	memset(&ov2, 0, sizeof(ov2));
	memset(&ov3, 0, sizeof(ov3));
	CHECK(WSAIoctl(h, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range),
		       &held, sizeof(held), &bytes, NULL, NULL) == 0 &&
	      bytes == sizeof(held), "sync acquire: %d", WSAGetLastError());

	CHECK_PASS(start_acquire(w, PORTRES_SIO_ACQUIRE_PORT_RESERVATION_WAIT,
				 14220, 2, &inst, &ov));
	CHECK(WSAWaitForMultipleEvents(1, &ev, FALSE, 300, FALSE) ==
	      WSA_WAIT_TIMEOUT, "completed while the block is held");
	CHECK(!HasOverlappedIoCompleted(&ov), "completed");
	CHECK_PASS(result_is(w, &ov, FALSE, WSA_IO_INCOMPLETE, 0));
	CHECK(WSAIoctl(h, SIO_RELEASE_PORT_RESERVATION, &held.Token,
		       sizeof(held.Token), NULL, 0, &bytes, NULL, NULL) == 0,
	      "sync release");
	CHECK(WSAWaitForMultipleEvents(1, &ev, FALSE, DONE_MS, FALSE) ==
	      WSA_WAIT_EVENT_0, "not signaled after the release");
	CHECK_PASS(result_is(w, &ov, FALSE, 0, sizeof(inst)));
	CHECK(inst.Reservation.StartPort == htons(14220) && inst.Token.Token,
	      "granted %u", ntohs(inst.Reservation.StartPort));

	/* closesocket aborts a pending wait. */
	CHECK_PASS(start_acquire(w2, PORTRES_SIO_ACQUIRE_PORT_RESERVATION_WAIT,
				 14221, 1, &inst2, &ov2));
	CHECK_PASS(result_is(w2, &ov2, FALSE, WSA_IO_INCOMPLETE, 0));
	usleep(300000);
	CHECK(closesocket(w2) == 0, "closesocket");
	CHECK_PASS(result_is(w2, &ov2, TRUE, WSA_OPERATION_ABORTED, 0));

	/* So does CancelIoEx. */
	CHECK_PASS(start_acquire(w3, PORTRES_SIO_ACQUIRE_PORT_RESERVATION_WAIT,
				 14220, 1, &inst3, &ov3));
	usleep(300000);
	CHECK(CancelIoEx((HANDLE)w3, &ov3), "CancelIoEx: %d", WSAGetLastError());
	CHECK_PASS(result_is(w3, &ov3, TRUE, WSA_OPERATION_ABORTED, 0));
	CHECK(!inst3.Token.Token, "token of an aborted acquire");

	CHECK(WSAIoctl(w, SIO_RELEASE_PORT_RESERVATION, &inst.Token,
		       sizeof(inst.Token), NULL, 0, &bytes, NULL, NULL) == 0,
	      "release");
	WSACloseEvent(ev);
	closesocket(h);
	closesocket(w);
	closesocket(w3);
	return 0;
}

static int wait_for_multiple_events(void)
{
	SOCKET s = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
	INET_PORT_RESERVATION_INSTANCE inst;
	WSAEVENT ev[2] = { WSACreateEvent(), WSACreateEvent() };
	struct pollfd pfd;
	WSAOVERLAPPED ov;
	DWORD bytes;

	CHECK(ev[0] && ev[1], "WSACreateEvent");
	memset(&ov, 0, sizeof(ov));
	ov.hEvent = ev[1];
	CHECK_PASS(start_acquire(s, SIO_ACQUIRE_PORT_RESERVATION, 0, 3, &inst,
				 &ov));
	CHECK(WSAWaitForMultipleEvents(2, ev, FALSE, DONE_MS, FALSE) ==
	      WSA_WAIT_EVENT_0 + 1, "not the second event");
	/* Manual reset: still signaled; the eventfd polls readable. */
	pfd.fd = WSAEventFd(ev[1]);
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 0) == 1, "eventfd not readable");
	CHECK(WSAWaitForMultipleEvents(2, ev, TRUE, 200, FALSE) ==
	      WSA_WAIT_TIMEOUT, "wait-all with one event unsignaled");
	CHECK(WSASetEvent(ev[0]), "WSASetEvent");
	CHECK(WSAWaitForMultipleEvents(2, ev, TRUE, DONE_MS, FALSE) ==
	      WSA_WAIT_EVENT_0, "wait-all");
	CHECK_PASS(result_is(s, &ov, FALSE, 0, sizeof(inst)));
	CHECK(inst.Reservation.NumberOfPorts == 3 && inst.Reservation.StartPort,
	      "wildcard block");
	CHECK(WSAIoctl(s, SIO_RELEASE_PORT_RESERVATION, &inst.Token,
		       sizeof(inst.Token), NULL, 0, &bytes, NULL, NULL) == 0,
	      "release");
	CHECK(WSAWaitForMultipleEvents(1, &ev[0], FALSE, 0, FALSE) ==
	      WSA_WAIT_EVENT_0, "set event");
	CHECK(WSAWaitForMultipleEvents(0, ev, FALSE, 0, FALSE) == WSA_WAIT_FAILED,
	      "no events");
	WSACloseEvent(ev[0]);
	WSACloseEvent(ev[1]);
	closesocket(s);
	return 0;
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP_TEST(overlapped_sequence),
		TAP_TEST(overlapped_errors),
		TAP_TEST(overlapped_wait_and_abort),
		TAP_TEST(wait_for_multiple_events),
	};

	return run_tests(tests, ARRAY_SIZE(tests));
}
