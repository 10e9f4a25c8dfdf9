// SPDX-License-Identifier: GPL-2.0
/*
 * The Windows-style compatibility layer against the module: Microsoft's
 * SIO_ACQUIRE_PORT_RESERVATION example program (acquire_seed, extracted
 * from its reference page at build time with only its #include lines
 * changed; left out, with a line saying why, where it could not be) and
 * our persistent-reservation example (persistent_udp), run and their output
 * checked; then WSAIoctl() and the Create/Lookup/DeletePersistent*
 * functions called directly.
 *
 * Ports used: 28500-28999.
 */
#include <linux/capability.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORTRES_NO_WPRINTF	/* this file prints with printf */
#include <portres/winsock_compat.h>

#include "libportres_util.h"

/* The value after "key" in text as a number, or -1. */
static long long value_after(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

static bool block_listed(int proto, uint16_t port)
{
	struct portres_entry *l;
	size_t n;
	bool found;

	if (portres_list(&l, &n))
		die("portres_list failed");
	found = find_entry(l, n, proto, port) != NULL;
	portres_list_free(l);
	return found;
}

/* Run acquire_seed for a block and check the whole success story. */
static int seed_succeeds(const char *family, const char *type,
			 const char *proto, int start, int count)
{
	struct prog_result r;
	char s[16], c[16];
	long long got_start, port;
	int lo, hi;

	snprintf(s, sizeof(s), "%d", start);
	snprintf(c, sizeof(c), "%d", count);
	run_prog(&r, AS_ROOT, NULL, "acquire_seed", family, type, proto, s, c,
		 NULL);
	got_start = value_after(r.out, "Starting port=");
	port = value_after(r.out, "Port number allocated = ");
	if (!start) {
		get_port_range(&lo, &hi);
		if (got_start < lo || got_start + count - 1 > hi) {
			show_prog(&r);
			CHECK(0, "wildcard block at %lld outside %d-%d", got_start,
			      lo, hi);
		}
	} else if (got_start != start) {
		show_prog(&r);
		CHECK(0, "granted %lld, asked %d", got_start, start);
	}
	if (r.status != 0 ||
	    !strstr(r.out, "socket function succeeded\n") ||
	    !strstr(r.out, "WSAIoctl(SIO_ACQUIRE_PORT_RESERVATION) succeeded, bytesReturned = 16\n") ||
	    value_after(r.out, "Number of Ports=") != count ||
	    value_after(r.out, "Token=") == 0 ||
	    !strstr(r.out, "socket function for second socket succeeded\n") ||
	    !strstr(r.out, "WSAIoctl(SIO_ASSOCIATE_PORT_RESERVATION) succeeded, bytesReturned = 0\n") ||
	    !strstr(r.out, "bind succeeded\ngetsockname succeeded\n") ||
	    port < got_start || port >= got_start + count ||
	    !strstr(r.out, "WSAIoctl(SIO_RELEASE_PORT_RESERVATION) succeeded") ||
	    strstr(r.out, "failed")) {
		show_prog(&r);
		CHECK(0, "acquire_seed output or status wrong");
	}
	CHECK(!block_listed(strcmp(proto, "6") ? IPPROTO_UDP : IPPROTO_TCP,
			    got_start), "reservation left behind");
	return 0;
}

static int acquire_seed_tcp(void)
{
	return seed_succeeds("2", "1", "6", 28500, 20);
}

static int acquire_seed_udp(void)
{
	return seed_succeeds("2", "2", "17", 28600, 20);	/* Windows' own */
}

static int acquire_seed_wildcard(void)
{
	return seed_succeeds("2", "1", "6", 0, 4);
}

static int acquire_seed_failures(void)
{
	int fd = xsock(AF_INET, IPPROTO_TCP);
	struct prog_result r;

	CHECK_OK(portres_acquire(fd, 28700, 5, NULL));
	run_prog(&r, AS_ROOT, NULL, "acquire_seed", "2", "1", "6", "28702", "2",
		 NULL);
	if (r.status != 1 ||
	    !strstr(r.out, "WSAIoctl(SIO_ACQUIRE_PORT_RESERVATION) failed with error = 10048\n")) {
		show_prog(&r);
		CHECK(0, "held block: want WSAEADDRINUSE");
	}
	run_prog(&r, AS_NOBODY, NULL, "acquire_seed", "2", "1", "6", "1000", "1",
		 NULL);
	if (r.status != 1 ||
	    !strstr(r.out, "WSAIoctl(SIO_ACQUIRE_PORT_RESERVATION) failed with error = 10013\n")) {
		show_prog(&r);
		CHECK(0, "privileged port as nobody: want WSAEACCES");
	}
	run_prog(&r, AS_ROOT, NULL, "acquire_seed", "2", "1", "6", "28720", "0",
		 NULL);
	if (r.status != 1 ||
	    !strstr(r.out, "failed with error = 10022\n")) {
		show_prog(&r);
		CHECK(0, "0 ports: want WSAEINVAL");
	}
	run_prog(&r, AS_ROOT, NULL, "acquire_seed", NULL);
	if (r.status != 1 ||
	    !strstr(r.out, "usage: acquire_seed <addressfamily> <type> <protocol> <StartingPort> <NumberOfPorts>\n") ||
	    !strstr(r.out, "   acquire_seed 2 2 17 5000 20\n")) {
		show_prog(&r);
		CHECK(0, "usage text wrong");
	}
	close(fd);
	return 0;
}

/* The token after "<fn>: ok, token " in text, or 0. */
static unsigned long long token_after(const char *text, const char *fn)
{
	char key[128];
	const char *p;

	snprintf(key, sizeof(key), "%s: ok, token ", fn);
	p = strstr(text, key);
	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

static int persistent_udp_round_trip(void)
{
	unsigned long long t1, t2;
	struct prog_result r;

	persistent_cleanup_at_exit(28500, 28999);
	run_prog(&r, AS_ROOT, NULL, "persistent_udp", "28800", "20", NULL);
	t1 = token_after(r.out, "CreatePersistentUdpPortReservation");
	t2 = token_after(r.out, "LookupPersistentUdpPortReservation");
	if (r.status != 0 || t1 == 0 || t1 != t2 ||
	    !strstr(r.out, "DeletePersistentUdpPortReservation: ok\n")) {
		show_prog(&r);
		CHECK(0, "persistent_udp output or status wrong");
	}
	CHECK(!block_listed(IPPROTO_UDP, 28800), "reservation left behind");
	return 0;
}

static int persistent_udp_failures(void)
{
	struct portres_persistent p;
	struct prog_result r;

	persistent_cleanup_at_exit(28500, 28999);
	portres_persistent_init(&p, IPPROTO_UDP, 28850, 5);
	CHECK_OK(portres_persistent_create(-1, &p));
	run_prog(&r, AS_ROOT, NULL, "persistent_udp", "28852", "5", NULL);
	if (r.status != 1 ||
	    !strstr(r.out, "CreatePersistentUdpPortReservation: error 32\n")) {
		show_prog(&r);
		CHECK(0, "overlap: want ERROR_SHARING_VIOLATION");
	}
	run_prog(&r, AS_NOBODY, NULL, "persistent_udp", "28900", "5", NULL);
	if (r.status != 1 ||
	    !strstr(r.out, "CreatePersistentUdpPortReservation: error 5\n")) {
		show_prog(&r);
		CHECK(0, "nobody: want ERROR_ACCESS_DENIED");
	}
	run_prog(&r, AS_ROOT, NULL, "persistent_udp", "0", "5", NULL);
	if (r.status != 1 ||
	    !strstr(r.out, "CreatePersistentUdpPortReservation: error 87\n")) {
		show_prog(&r);
		CHECK(0, "port 0: want ERROR_INVALID_PARAMETER");
	}
	run_prog(&r, AS_ROOT, NULL, "persistent_udp", "28900", NULL);
	if (r.status != 2 || !strstr(r.out, "usage: persistent_udp ")) {
		show_prog(&r);
		CHECK(0, "one argument: want the usage line, status 2");
	}
	return 0;
}

static int wsaioctl_direct(void)
{
	INET_PORT_RANGE range = { htons(28950), 4 };
	INET_PORT_RESERVATION_INSTANCE res;
	SOCKET owner = socket(AF_INET, SOCK_DGRAM, 0);
	SOCKET s = socket(AF_INET6, SOCK_DGRAM, 0);
	DWORD bytes = 0;
	int port;

	CHECK(owner != INVALID_SOCKET && s != INVALID_SOCKET, "socket");
	memset(&res, 0xff, sizeof(res));
	CHECK(WSAIoctl(owner, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range),
		       &res, sizeof(res), &bytes, NULL, NULL) == 0,
	      "acquire: %d", WSAGetLastError());
	CHECK(bytes == sizeof(res) && ntohs(res.Reservation.StartPort) == 28950 &&
	      res.Reservation.NumberOfPorts == 4 && res.Token.Token,
	      "bytes %u start %u n %u", bytes, ntohs(res.Reservation.StartPort),
	      res.Reservation.NumberOfPorts);
	CHECK(WSAIoctl(s, SIO_ASSOCIATE_PORT_RESERVATION, &res.Token,
		       sizeof(ULONG64), NULL, 0, &bytes, NULL, NULL) == 0 &&
	      bytes == 0, "associate: %d", WSAGetLastError());
	CHECK_OK(bind_port(s, 0));
	port = local_port(s);
	CHECK(port_in(port, 28950, 4), "bound to %d", port);
	CHECK(WSAIoctl(s, SIO_ASSOCIATE_PORT_RESERVATION, &res.Token,
		       sizeof(ULONG64), NULL, 0, &bytes, NULL, NULL) ==
	      SOCKET_ERROR && WSAGetLastError() == WSAEINVAL,
	      "associate of a bound socket: %d", WSAGetLastError());
	CHECK(WSAIoctl(owner, SIO_RELEASE_PORT_RESERVATION, &res.Token,
		       sizeof(ULONG64), NULL, 0, &bytes, NULL, NULL) == 0,
	      "release: %d", WSAGetLastError());
	CHECK(WSAIoctl(owner, SIO_RELEASE_PORT_RESERVATION, &res.Token,
		       sizeof(ULONG64), NULL, 0, &bytes, NULL, NULL) ==
	      SOCKET_ERROR && WSAGetLastError() == WSAEINVAL,
	      "second release: %d", WSAGetLastError());
	CHECK(closesocket(s) == 0 && closesocket(owner) == 0, "closesocket");
	return 0;
}

static int persistent_functions_direct(void)
{
	ULONG64 tok = 0, tok2 = 0;

	persistent_cleanup_at_exit(28500, 28999);
	CHECK(LookupPersistentTcpPortReservation(htons(28960), 3, &tok) ==
	      ERROR_NOT_FOUND, "lookup of nothing");
	CHECK(DeletePersistentTcpPortReservation(htons(28960), 3) ==
	      ERROR_NOT_FOUND, "delete of nothing");
	CHECK(CreatePersistentTcpPortReservation(htons(28960), 3, &tok) ==
	      NO_ERROR && tok, "create");
	CHECK(block_listed(IPPROTO_TCP, 28962) && !block_listed(IPPROTO_UDP, 28962),
	      "not listed as tcp");
	CHECK(CreatePersistentTcpPortReservation(htons(28962), 1, &tok2) ==
	      ERROR_SHARING_VIOLATION, "overlap");
	CHECK(LookupPersistentTcpPortReservation(htons(28960), 3, &tok2) ==
	      NO_ERROR && tok2 == tok, "lookup");
	CHECK(LookupPersistentUdpPortReservation(htons(28960), 3, &tok2) ==
	      ERROR_NOT_FOUND, "udp lookup of a tcp block");
	CHECK(CreatePersistentTcpPortReservation(htons(65535), 2, &tok2) ==
	      ERROR_INVALID_PARAMETER, "past 65535");
	CHECK(DeletePersistentTcpPortReservation(htons(28960), 3) == NO_ERROR,
	      "delete");
	CHECK(!block_listed(IPPROTO_TCP, 28960), "still listed");
	return 0;
}

int main(void)
{
	static const struct tap_test seed_tests[] = {
		TAP_TEST(acquire_seed_tcp),
		TAP_TEST(acquire_seed_udp),
		TAP_TEST(acquire_seed_wildcard),
		TAP_TEST(acquire_seed_failures),
	};
	static const struct tap_test our_tests[] = {
		TAP_TEST(persistent_udp_round_trip),
		TAP_TEST(persistent_udp_failures),
		TAP_TEST(wsaioctl_direct),
		TAP_TEST(persistent_functions_direct),
	};
	struct tap_test tests[ARRAY_SIZE(seed_tests) + ARRAY_SIZE(our_tests)];
	size_t n = 0, i;

	if (prog_built("acquire_seed")) {
		for (i = 0; i < ARRAY_SIZE(seed_tests); i++)
			tests[n++] = seed_tests[i];
	} else {
		tap_diag("acquire_seed tests left out: not built (it is %s)",
			 "extracted from Microsoft's reference page in "
			 "../shared/seeds, which this clone lacks");
	}
	for (i = 0; i < ARRAY_SIZE(our_tests); i++)
		tests[n++] = our_tests[i];
	return run_tests(tests, n);
}
