// SPDX-License-Identifier: GPL-2.0
/*
 * The Windows-style compatibility layer against the module: Microsoft's
 * SIO_ACQUIRE_PORT_RESERVATION example program (acquire_seed, extracted
 * from its reference page at build time with only its #include lines
 * changed; left out, with a line saying why, where it could not be) and
 * our persistent-reservation example (persistent_udp), run and their output
 * checked; then WSAIoctl() and the Create/Lookup/DeletePersistent*
 * functions called directly.
 */
#include <linux/capability.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORTRES_NO_WPRINTF	/* this file prints with printf */
#include <portres/winsock_compat.h>

#include "portres_test.h"
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

/* A program run that fails: who runs name with up to 5 arguments. */
struct failing_run {
	enum runas who;
	const char *args[5];	/* NULL-terminated when shorter */
	int status;
	const char *want;	/* in its standard output */
	const char *what;
};

static void runs_fail(struct __test_metadata *_metadata, const char *name,
		      const struct failing_run *f, size_t n)
{
	struct prog_result r;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *const *a = f[i].args;

		run_prog(&r, f[i].who, NULL, name, a[0], a[1], a[2], a[3], a[4],
			 NULL);
		ASSERT_PROG(&r, f[i].status, out, f[i].want)
			TH_LOG("%s", f[i].what);
	}
}

/*
 * Microsoft's example, acquire_seed: with ../shared/seeds missing it is not
 * built, and main() leaves the acquire_seed* fixtures out (with a line).
 * One variant per block asked for; each run checks the whole success story.
 */
PORTRES_FIXTURE(acquire_seed, PORTRES_NETNS);

FIXTURE_VARIANT(acquire_seed) {
	const char *family, *type, *proto;
	int start, count;
};

FIXTURE_VARIANT_ADD(acquire_seed, tcp) {
	.family = "2", .type = "1", .proto = "6", .start = 28500, .count = 20,
};

/* Windows' own example: UDP 5000+20, here 28600+20. */
FIXTURE_VARIANT_ADD(acquire_seed, udp) {
	.family = "2", .type = "2", .proto = "17", .start = 28600, .count = 20,
};

FIXTURE_VARIANT_ADD(acquire_seed, wildcard) {
	.family = "2", .type = "1", .proto = "6", .start = 0, .count = 4,
};

TEST_F(acquire_seed, succeeds)
{
	int start = variant->start, count = variant->count;
	long long got_start, port;
	struct prog_result r;
	char s[16], c[16];
	int lo, hi;

	snprintf(s, sizeof(s), "%d", start);
	snprintf(c, sizeof(c), "%d", count);
	run_prog(&r, AS_ROOT, NULL, "acquire_seed", variant->family,
		 variant->type, variant->proto, s, c, NULL);
	got_start = value_after(r.out, "Starting port=");
	port = value_after(r.out, "Port number allocated = ");
	if (!start) {
		get_port_range(&lo, &hi);
		if (got_start < lo || got_start + count - 1 > hi)
			show_prog(&r);
		ASSERT_TRUE(got_start >= lo && got_start + count - 1 <= hi)
			TH_LOG("wildcard block at %lld outside %d-%d",
			       got_start, lo, hi);
	} else {
		if (got_start != start)
			show_prog(&r);
		ASSERT_EQ(start, got_start) TH_LOG("granted block");
	}
	/*
	 * Only the values the program prints are checked, not its sentences
	 * (they are Microsoft's): the acquire returned 16 bytes, associate and
	 * release 0, the count and a token, the bound port is in the block,
	 * nothing failed, and (below) nothing is left reserved.
	 */
	if (r.status != 0 ||
	    !strstr(r.out, "bytesReturned = 16\n") ||
	    !strstr(r.out, "bytesReturned = 0\n") ||
	    value_after(r.out, "Number of Ports=") != count ||
	    value_after(r.out, "Token=") == 0 ||
	    port < got_start || port >= got_start + count ||
	    strstr(r.out, "failed")) {
		show_prog(&r);
		ASSERT_TRUE(false) TH_LOG("acquire_seed output or status wrong");
	}
	ASSERT_FALSE(block_listed(strcmp(variant->proto, "6") ? IPPROTO_UDP :
				  IPPROTO_TCP, got_start))
		TH_LOG("reservation left behind");
}

PORTRES_FIXTURE(acquire_seed_errors, PORTRES_NETNS);

TEST_F(acquire_seed_errors, are_wsa_codes)
{
	static const struct failing_run runs[] = {
		{ AS_ROOT, { "2", "1", "6", "28702", "2" }, 1,
		  "error = 10048\n", "held block: want WSAEADDRINUSE" },
		{ AS_NOBODY, { "2", "1", "6", "1000", "1" }, 1,
		  "error = 10013\n", "privileged port as nobody: want WSAEACCES" },
		{ AS_ROOT, { "2", "1", "6", "28720", "0" }, 1,
		  "error = 10022\n", "0 ports: want WSAEINVAL" },
		{ AS_ROOT, { NULL }, 1, "usage: acquire_seed ",
		  "no arguments: want the usage, status 1" },
	};
	int fd = xsock(AF_INET, IPPROTO_TCP);

	ASSERT_OK(portres_acquire(fd, 28700, 5, NULL));
	runs_fail(_metadata, "acquire_seed", runs, ARRAY_SIZE(runs));
	close(fd);
}

PORTRES_FIXTURE(lib_compat, PORTRES_NETNS);

/* The token after "<fn>: ok, token " in text, or 0. */
static unsigned long long token_after(const char *text, const char *fn)
{
	char key[128];
	const char *p;

	snprintf(key, sizeof(key), "%s: ok, token ", fn);
	p = strstr(text, key);
	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

TEST_F(lib_compat, persistent_udp_round_trip)
{
	unsigned long long t1, t2;
	struct prog_result r;

	run_prog(&r, AS_ROOT, NULL, "persistent_udp", "28800", "20", NULL);
	t1 = token_after(r.out, "CreatePersistentUdpPortReservation");
	t2 = token_after(r.out, "LookupPersistentUdpPortReservation");
	if (r.status != 0 || t1 == 0 || t1 != t2 ||
	    !strstr(r.out, "DeletePersistentUdpPortReservation: ok\n")) {
		show_prog(&r);
		ASSERT_TRUE(false) TH_LOG("persistent_udp output or status wrong");
	}
	ASSERT_FALSE(block_listed(IPPROTO_UDP, 28800))
		TH_LOG("reservation left behind");
}

TEST_F(lib_compat, persistent_udp_failures)
{
	static const struct failing_run runs[] = {
		{ AS_ROOT, { "28852", "5" }, 1,
		  "CreatePersistentUdpPortReservation: error 32\n",
		  "overlap: want ERROR_SHARING_VIOLATION" },
		{ AS_NOBODY, { "28900", "5" }, 1,
		  "CreatePersistentUdpPortReservation: error 5\n",
		  "nobody: want ERROR_ACCESS_DENIED" },
		{ AS_ROOT, { "0", "5" }, 1,
		  "CreatePersistentUdpPortReservation: error 87\n",
		  "port 0: want ERROR_INVALID_PARAMETER" },
		{ AS_ROOT, { "28900" }, 2, "usage: persistent_udp ",
		  "one argument: want the usage line, status 2" },
	};
	struct portres_persistent p;

	portres_persistent_init(&p, IPPROTO_UDP, 28850, 5);
	ASSERT_OK(portres_persistent_create(-1, &p));
	runs_fail(_metadata, "persistent_udp", runs, ARRAY_SIZE(runs));
}

TEST_F(lib_compat, wsaioctl_direct)
{
	INET_PORT_RANGE range = { htons(28950), 4 };
	INET_PORT_RESERVATION_INSTANCE res;
	SOCKET owner = socket(AF_INET, SOCK_DGRAM, 0);
	SOCKET s = socket(AF_INET6, SOCK_DGRAM, 0);
	DWORD bytes = 0;
	int port;

	ASSERT_TRUE(owner != INVALID_SOCKET && s != INVALID_SOCKET)
		TH_LOG("socket");
	memset(&res, 0xff, sizeof(res));
	ASSERT_EQ(0, WSAIoctl(owner, SIO_ACQUIRE_PORT_RESERVATION, &range,
			      sizeof(range), &res, sizeof(res), &bytes, NULL,
			      NULL))
		TH_LOG("acquire: %d", WSAGetLastError());
	ASSERT_TRUE(bytes == sizeof(res) &&
		    ntohs(res.Reservation.StartPort) == 28950 &&
		    res.Reservation.NumberOfPorts == 4 && res.Token.Token)
		TH_LOG("bytes %u start %u n %u", bytes,
		       ntohs(res.Reservation.StartPort),
		       res.Reservation.NumberOfPorts);
	ASSERT_TRUE(WSAIoctl(s, SIO_ASSOCIATE_PORT_RESERVATION, &res.Token,
			     sizeof(ULONG64), NULL, 0, &bytes, NULL, NULL) == 0 &&
		    bytes == 0)
		TH_LOG("associate: %d", WSAGetLastError());
	ASSERT_OK(bind_port(s, 0));
	port = local_port(s);
	ASSERT_TRUE(port_in(port, 28950, 4)) TH_LOG("bound to %d", port);
	ASSERT_TRUE(WSAIoctl(s, SIO_ASSOCIATE_PORT_RESERVATION, &res.Token,
			     sizeof(ULONG64), NULL, 0, &bytes, NULL, NULL) ==
		    SOCKET_ERROR && WSAGetLastError() == WSAEINVAL)
		TH_LOG("associate of a bound socket: %d", WSAGetLastError());
	ASSERT_EQ(0, WSAIoctl(owner, SIO_RELEASE_PORT_RESERVATION, &res.Token,
			      sizeof(ULONG64), NULL, 0, &bytes, NULL, NULL))
		TH_LOG("release: %d", WSAGetLastError());
	ASSERT_TRUE(WSAIoctl(owner, SIO_RELEASE_PORT_RESERVATION, &res.Token,
			     sizeof(ULONG64), NULL, 0, &bytes, NULL, NULL) ==
		    SOCKET_ERROR && WSAGetLastError() == WSAEINVAL)
		TH_LOG("second release: %d", WSAGetLastError());
	ASSERT_TRUE(closesocket(s) == 0 && closesocket(owner) == 0)
		TH_LOG("closesocket");
}

TEST_F(lib_compat, persistent_functions_direct)
{
	ULONG64 tok = 0, tok2 = 0;

	ASSERT_EQ(ERROR_NOT_FOUND,
		  LookupPersistentTcpPortReservation(htons(28960), 3, &tok))
		TH_LOG("lookup of nothing");
	ASSERT_EQ(ERROR_NOT_FOUND,
		  DeletePersistentTcpPortReservation(htons(28960), 3))
		TH_LOG("delete of nothing");
	ASSERT_EQ(NO_ERROR,
		  CreatePersistentTcpPortReservation(htons(28960), 3, &tok))
		TH_LOG("create");
	ASSERT_NE(0, tok) TH_LOG("create: token 0");
	ASSERT_TRUE(block_listed(IPPROTO_TCP, 28962) &&
		    !block_listed(IPPROTO_UDP, 28962))
		TH_LOG("not listed as tcp");
	ASSERT_EQ(ERROR_SHARING_VIOLATION,
		  CreatePersistentTcpPortReservation(htons(28962), 1, &tok2))
		TH_LOG("overlap");
	ASSERT_EQ(NO_ERROR,
		  LookupPersistentTcpPortReservation(htons(28960), 3, &tok2))
		TH_LOG("lookup");
	ASSERT_EQ(tok, tok2) TH_LOG("lookup: token");
	ASSERT_EQ(ERROR_NOT_FOUND,
		  LookupPersistentUdpPortReservation(htons(28960), 3, &tok2))
		TH_LOG("udp lookup of a tcp block");
	ASSERT_EQ(ERROR_INVALID_PARAMETER,
		  CreatePersistentTcpPortReservation(htons(65535), 2, &tok2))
		TH_LOG("past 65535");
	ASSERT_EQ(NO_ERROR, DeletePersistentTcpPortReservation(htons(28960), 3))
		TH_LOG("delete");
	ASSERT_FALSE(block_listed(IPPROTO_TCP, 28960)) TH_LOG("still listed");
}

/*
 * Without acquire_seed (a clone without ../shared/seeds), its fixtures are
 * left out, with a line saying why: the harness's -F, ahead of any filter
 * given on the command line.
 */
int main(int argc, char **argv)
{
	static char *const leave_out[] = {
		"-F", "acquire_seed", "-F", "acquire_seed_errors",
	};
	char **args = calloc(argc + ARRAY_SIZE(leave_out) + 1, sizeof(*args));
	int n = 0, i;
	size_t k;

	if (!args)
		die("calloc: %s", strerror(errno));
	args[n++] = argv[0];
	if (!prog_built("acquire_seed")) {
		diag("acquire_seed tests left out: not built (it is %s)",
		     "extracted from Microsoft's reference page in "
		     "../shared/seeds, which this clone lacks");
		for (k = 0; k < ARRAY_SIZE(leave_out); k++)
			args[n++] = leave_out[k];
	}
	for (i = 1; i < argc; i++)
		args[n++] = argv[i];
	return test_harness_run(n, args);
}
