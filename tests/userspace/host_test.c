// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of libportres and portresctl, for a machine without the
 * portres module (TAP): the /proc/net/port_reservations parser, the error
 * sentences, the errno -> WSA and errno -> Win32 mappings, the Winsock and
 * wide-character shims, and portresctl's arguments and exit codes, including
 * "module not loaded". Tests with the module run in QEMU (tests/selftests).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PORTRES_NO_WPRINTF	/* the test calls portres_wprintf() by name */
#include <portres/portres.h>
#include <portres/winsock_compat.h>
#include "internal.h"		/* portres__fail(): an operation's context */

#define CTL	USERSPACE_BUILD "/portresctl"

static int failures;

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);				\
			printf("\n");					\
			return -1;					\
		}							\
	} while (0)

/* ---- /proc parser ---- */

static const char sample[] =
	"proto first last count kind in_use uid pid allow_uid allow_gid token comm\n"
	"tcp 7000 7004 5 persistent 0 0 - 1000 - 9fd9db17fd305809 -\n"
	"tcp 7100 7102 3 runtime 1 0 143 - - b06d46b739a4f738 t3\n"
	"udp 5000 5019 20 runtime 2 1000 77 - - - my\\040prog\\134x\\011y\n"
	"udp 6000 6000 1 persistent 0 0 - - 100 - -\n";

static int parse_text(const char *text, struct portres_entry **l, size_t *n)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f)
		return -errno;
	ret = portres_list_parse(f, l, n);
	fclose(f);
	return ret;
}

static int parser_reads_every_field(void)
{
	struct portres_entry *l;
	size_t n;
	int ret = parse_text(sample, &l, &n);

	CHECK(ret == 0, "parse: %d", ret);
	CHECK(n == 4, "n = %zu", n);
	CHECK(l[0].protocol == IPPROTO_TCP && l[0].persistent &&
	      l[0].first == 7000 && l[0].last == 7004 && l[0].count == 5 &&
	      l[0].in_use == 0 && l[0].uid == 0 && l[0].pid == PORTRES_NO_PID &&
	      l[0].allowed_uid == 1000 && l[0].allowed_gid == PORTRES_ANY_ID &&
	      l[0].token_visible && l[0].token == 0x9fd9db17fd305809ULL &&
	      !l[0].comm[0], "entry 0 wrong");
	CHECK(!l[1].persistent && l[1].pid == 143 && l[1].in_use == 1 &&
	      l[1].token == 0xb06d46b739a4f738ULL && !strcmp(l[1].comm, "t3"),
	      "entry 1 wrong");
	CHECK(l[2].protocol == IPPROTO_UDP && l[2].uid == 1000 &&
	      l[2].pid == 77 && l[2].count == 20 && !l[2].token_visible &&
	      l[2].token == 0 && l[2].allowed_uid == PORTRES_ANY_ID,
	      "entry 2 wrong");
	CHECK(!strcmp(l[2].comm, "my prog\\x\ty"), "comm '%s'", l[2].comm);
	CHECK(l[3].first == 6000 && l[3].last == 6000 && l[3].count == 1 &&
	      l[3].allowed_gid == 100 && l[3].allowed_uid == PORTRES_ANY_ID,
	      "entry 3 wrong");
	portres_list_free(l);
	return 0;
}

/* The listing with the refused count, as the module writes it now. */
static int parser_reads_refused(void)
{
	static const char text[] =
		"proto first last count kind in_use uid pid allow_uid allow_gid token comm refused\n"
		"tcp 7000 7004 5 persistent 0 0 - 1000 - - - 0\n"
		"udp 5000 5019 20 runtime 2 1000 77 - - - prog 18446744073709551615\n";
	struct portres_entry *l;
	size_t n;
	int ret = parse_text(text, &l, &n);

	CHECK(ret == 0, "parse: %d", ret);
	CHECK(n == 2, "n = %zu", n);
	CHECK(l[0].refused == 0 && l[0].allowed_uid == 1000, "entry 0 wrong");
	CHECK(l[1].refused == UINT64_MAX && !strcmp(l[1].comm, "prog"),
	      "entry 1 wrong");
	portres_list_free(l);
	CHECK(parse_text("proto first last count kind in_use uid pid allow_uid allow_gid token comm refused\n"
			 "tcp 7000 7004 5 persistent 0 0 - - - - - x\n", &l, &n) == -EBADMSG,
	      "refused 'x' accepted");
	CHECK(parse_text("proto first last count kind in_use uid pid allow_uid allow_gid token comm refused\n"
			 "tcp 7000 7004 5 persistent 0 0 - - - - -\n", &l, &n) == -EBADMSG,
	      "line without refused accepted");
	return 0;
}

static int parser_accepts_empty_listing(void)
{
	struct portres_entry *l = (void *)1;
	size_t n = 99;

	CHECK(parse_text("proto first last count kind in_use uid pid allow_uid allow_gid token comm\n",
			 &l, &n) == 0, "header only");
	CHECK(n == 0, "n = %zu", n);
	portres_list_free(l);
	return 0;
}

static int parser_rejects_malformed_lines(void)
{
	static const char *const bad[] = {
		"",						/* no header */
		"proto first last\n",				/* other header */
		"H\ntcp 7000 7004 5 persistent 0 0 - - - - -\n",
		"Htcp 7000 7004 5 persistent 0 0 - - -\n",	/* 10 fields */
		"Htcp 7000 7004 5 persistent 0 0 - - - - - extra\n",
		"Htcp 7000 7004 4 persistent 0 0 - - - - -\n",	/* count */
		"Htcp 7004 7000 5 persistent 0 0 - - - - -\n",	/* last < first */
		"Htcp 7000 7004 5 persistent 6 0 - - - - -\n",	/* in_use > count */
		"Htcp 7000 70000 5 persistent 0 0 - - - - -\n",
		"Hsctp 7000 7004 5 persistent 0 0 - - - - -\n",
		"Htcp 7000 7004 5 static 0 0 - - - - -\n",
		"Htcp 7000 7004 5 runtime 0 0 12 - - 9fd9 x\n",	/* short token */
		"Htcp 7000 7004 5 runtime 0 0 12 - - 9fd9db17fd30580g x\n",
		"Htcp 7000 7004 5 runtime 0 0 12 - - - a\\04x\n",	/* bad escape */
		"Htcp 7000 7004 5 runtime 0 0 -12 - - - x\n",
		"Htcp 7000 7004 5 runtime 0 0 12 - - - "
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	};
	const char *hdr = "proto first last count kind in_use uid pid allow_uid allow_gid token comm\n";
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[512];
		struct portres_entry *l;
		size_t n;
		int ret;

		if (bad[i][0] == 'H')
			snprintf(text, sizeof(text), "%s%s", hdr, bad[i] + 1);
		else
			snprintf(text, sizeof(text), "%s", bad[i]);
		ret = parse_text(text, &l, &n);
		CHECK(ret == -EBADMSG, "case %zu ('%s'): got %d", i, bad[i], ret);
		CHECK(!strcmp(portres_strerror(ret),
			      "unexpected format in /proc/net/port_reservations"),
		      "message '%s'", portres_strerror(ret));
	}
	return 0;
}

/* ---- messages ---- */

#define NO_MODULE "portres module not loaded (modprobe portres)"

static int strerror_names_missing_module(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), ret;
	struct inet_port_reservation_instance inst;
	struct portres_entry *l;
	size_t n;

	CHECK(fd >= 0, "socket: %s", strerror(errno));
	ret = portres_acquire(fd, 7000, 5, &inst);
	CHECK(ret == -ENOTTY, "acquire without module: %d", ret);
	CHECK(!strcmp(portres_strerror(ret), NO_MODULE), "'%s'", portres_strerror(ret));
	CHECK(portres_module_missing(ret), "ENOTTY is a missing module");
	CHECK(portres_associate(fd, 1) == -ENOTTY, "associate");
	CHECK(portres_release(fd, 1) == -ENOTTY, "release");
	close(fd);

	ret = portres_open();
	CHECK(ret == -ENOENT, "open without module: %d", ret);
	CHECK(!strcmp(portres_strerror(ret), NO_MODULE), "'%s'", portres_strerror(ret));
	CHECK(portres_module_missing(ret), "ENOENT of open is a missing module");

	ret = portres_list(&l, &n);
	CHECK(ret == -ENOENT, "list without module: %d", ret);
	CHECK(!strcmp(portres_strerror(ret), NO_MODULE), "'%s'", portres_strerror(ret));

	{
		struct portres_persistent p;

		portres_persistent_init(&p, IPPROTO_TCP, 7000, 5);
		ret = portres_persistent_lookup(-1, &p);
		CHECK(ret == -ENOENT && portres_module_missing(ret),
		      "lookup without module: %d", ret);
		CHECK(!strcmp(portres_strerror(ret), NO_MODULE), "'%s'",
		      portres_strerror(ret));
	}
	return 0;
}

static int strerror_depends_on_the_operation(void)
{
	static const struct {
		enum portres_op op;
		int err;
		const char *want;	/* a part of the sentence */
	} c[] = {
		{ PR_OP_ACQUIRE, -EACCES, "privileged port" },
		{ PR_OP_ACQUIRE, -EADDRINUSE, "already reserved or bound" },
		{ PR_OP_ACQUIRE, -ENOSPC, "ip_local_port_range" },
		{ PR_OP_ACQUIRE, -EDQUOT, "max_ports_per_user" },
		{ PR_OP_ASSOCIATE, -EPERM, "another process" },
		{ PR_OP_RELEASE, -EINVAL, "persistent" },
		{ PR_OP_CREATE, -EPERM, "CAP_NET_ADMIN" },
		{ PR_OP_CREATE, -EEXIST, "token is already in use" },
		{ PR_OP_CREATE, -EADDRINUSE, "overlaps" },
		{ PR_OP_DELETE, -ENOENT, "no persistent reservation" },
		{ PR_OP_LOOKUP, -EPERM, "allowed uid/gid" },
		{ PR_OP_LOOKUP, -ENOENT, "no persistent reservation" },
		{ PR_OP_ACQUIRE, -EOPNOTSUPP, "not a TCP or UDP socket" },
		{ PR_OP_CREATE, -ENOTTY, NO_MODULE },
		{ PR_OP_CREATE, -ENOMEM, "Cannot allocate memory" },	/* strerror */
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *s = portres_strerror(portres__fail(c[i].op, c[i].err));

		CHECK(strstr(s, c[i].want), "case %zu: '%s' lacks '%s'", i, s,
		      c[i].want);
	}
	/* ENOENT with no context is just ENOENT, not "module missing". */
	portres__fail(PR_OP_LOOKUP, -ENOENT);
	CHECK(!portres_module_missing(-ENOENT), "lookup ENOENT is not the module");
	portres__fail(PR_OP_ACQUIRE, -EINVAL);
	CHECK(!strcmp(portres_strerror(-ENOENT), strerror(ENOENT)), "'%s'",
	      portres_strerror(-ENOENT));
	CHECK(!strcmp(portres_strerror(0), "success"), "0");
	return 0;
}

/* ---- Windows mappings ---- */

static int errno_to_wsa_follows_design(void)
{
	static const int m[][2] = {
		{ 0, 0 }, { EINVAL, WSAEINVAL }, { EFAULT, WSAEFAULT },
		{ EOPNOTSUPP, WSAEOPNOTSUPP }, { ENOTTY, WSAEOPNOTSUPP },
		{ ENOTSOCK, WSAENOTSOCK }, { EADDRINUSE, WSAEADDRINUSE },
		{ EACCES, WSAEACCES }, { EPERM, WSAEACCES }, { ENOENT, WSAEINVAL },
		{ EINTR, WSAEINTR }, { ECANCELED, WSA_OPERATION_ABORTED },
		{ EADDRNOTAVAIL, WSAEADDRNOTAVAIL }, { ENOSPC, WSAENOBUFS },
		{ EDQUOT, WSAENOBUFS }, { EAFNOSUPPORT, WSAEAFNOSUPPORT },
		{ ECONNREFUSED, WSAECONNREFUSED },
	};
	size_t i;

	CHECK(WSAEACCES == 10013 && WSAEINVAL == 10022 && WSAEADDRINUSE == 10048 &&
	      WSAEOPNOTSUPP == 10045 && WSA_IO_PENDING == 997 &&
	      WSA_OPERATION_ABORTED == 995, "winerror.h values");
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		CHECK(portres_errno_to_wsa(m[i][0]) == m[i][1], "%s -> %d, want %d",
		      strerrorname_np(m[i][0]) ?: "0",
		      portres_errno_to_wsa(m[i][0]), m[i][1]);
	return 0;
}

static int errno_to_win32_return_codes(void)
{
	static const unsigned long m[][2] = {
		{ 0, NO_ERROR }, { EINVAL, ERROR_INVALID_PARAMETER },
		{ EPERM, ERROR_ACCESS_DENIED }, { EACCES, ERROR_ACCESS_DENIED },
		{ EADDRINUSE, ERROR_SHARING_VIOLATION },
		{ EEXIST, ERROR_SHARING_VIOLATION }, { ENOENT, ERROR_NOT_FOUND },
		{ ENOTTY, ERROR_NOT_SUPPORTED }, { EIO, ERROR_GEN_FAILURE },
	};
	size_t i;

	CHECK(NO_ERROR == 0 && ERROR_ACCESS_DENIED == 5 &&
	      ERROR_SHARING_VIOLATION == 32 && ERROR_INVALID_PARAMETER == 87 &&
	      ERROR_NOT_FOUND == 1168, "winerror.h values");
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		CHECK(portres_errno_to_win32(m[i][0]) == m[i][1], "errno %lu -> %u",
		      m[i][0], portres_errno_to_win32(m[i][0]));
	return 0;
}

static int persistent_api_without_module(void)
{
	ULONG64 tok = 0;

	CHECK(CreatePersistentTcpPortReservation(htons(7000), 5, &tok) ==
	      ERROR_NOT_SUPPORTED, "create");
	CHECK(LookupPersistentUdpPortReservation(htons(7000), 5, &tok) ==
	      ERROR_NOT_SUPPORTED, "lookup");
	CHECK(DeletePersistentUdpPortReservation(htons(7000), 5) ==
	      ERROR_NOT_SUPPORTED, "delete");
	CHECK(CreatePersistentUdpPortReservation(htons(7000), 5, NULL) ==
	      ERROR_INVALID_PARAMETER, "NULL token");
	return 0;
}

static int wsaioctl_checks_its_arguments(void)
{
	SOCKET s = socket(AF_INET, SOCK_DGRAM, 0);
	INET_PORT_RANGE range = { htons(7000), 5 };
	INET_PORT_RESERVATION_INSTANCE inst;
	ULONG64 tok = 1;
	DWORD bytes = 77;
	WSADATA wd;

	CHECK(s != INVALID_SOCKET, "socket");
	CHECK(WSAStartup(MAKEWORD(2, 2), &wd) == 0 && wd.wVersion == 0x0202,
	      "WSAStartup");
	CHECK(WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range),
		       &inst, sizeof(inst), &bytes, (LPWSAOVERLAPPED)&wd, NULL) ==
	      SOCKET_ERROR && WSAGetLastError() == WSAEOPNOTSUPP,
	      "overlapped: %d", WSAGetLastError());
	CHECK(WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range),
		       &inst, sizeof(inst), NULL, NULL, NULL) == SOCKET_ERROR &&
	      WSAGetLastError() == WSAEFAULT, "NULL bytes: %d", WSAGetLastError());
	CHECK(WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range),
		       &inst, sizeof(inst) - 1, &bytes, NULL, NULL) == SOCKET_ERROR &&
	      WSAGetLastError() == WSAEINVAL && bytes == 0,
	      "short output: %d, bytes %u", WSAGetLastError(), bytes);
	CHECK(WSAIoctl(s, SIO_ASSOCIATE_PORT_RESERVATION, &tok, 4, NULL, 0,
		       &bytes, NULL, NULL) == SOCKET_ERROR &&
	      WSAGetLastError() == WSAEINVAL, "short token: %d", WSAGetLastError());
	CHECK(WSAIoctl(s, 0x12345678, &tok, 8, NULL, 0, &bytes, NULL, NULL) ==
	      SOCKET_ERROR && WSAGetLastError() == WSAEOPNOTSUPP, "unknown code");
	/* No module: the ioctl gives ENOTTY = WSAEOPNOTSUPP. */
	CHECK(WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range),
		       &inst, sizeof(inst), &bytes, NULL, NULL) == SOCKET_ERROR &&
	      WSAGetLastError() == WSAEOPNOTSUPP && errno == ENOTTY,
	      "acquire: %d", WSAGetLastError());
	/* A later plain socket call's errno is the newer error. */
	CHECK(socket(12345, SOCK_STREAM, 0) == INVALID_SOCKET, "socket(12345)");
	CHECK(WSAGetLastError() == WSAEAFNOSUPPORT, "after socket(): %d",
	      WSAGetLastError());
	CHECK(closesocket(s) == 0, "closesocket");
	CHECK(closesocket(s) == SOCKET_ERROR && WSAGetLastError() == WSAENOTSOCK,
	      "closesocket twice: %d", WSAGetLastError());
	CHECK(WSACleanup() == 0, "WSACleanup");
	return 0;
}

static int wide_shims(void)
{
	char buf[256] = "";
	int pfd[2], status;
	size_t len;
	ssize_t n;
	pid_t pid;

	CHECK(_wtoi(L"5000") == 5000 && _wtoi(L"-3") == -3 && _wtoi(L"x") == 0 &&
	      _wtoi(L"99999999999") == 2147483647, "_wtoi");
	CHECK(pipe(pfd) == 0, "pipe");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		/* The parent's printf made stdout byte-oriented: a fresh one. */
		stdout = fdopen(1, "w");
		portres_wprintf(L"[%s|%ws|%hs|%S|%I64d|%I64u|%5d|%-3u|%%|%c|%ld]\n",
				L"wide", L"w2", "narrow", "n2", (ULONG64)-5,
				(ULONG64)18446744073709551615ULL, 42, 7u, L'z', 9L);
		fflush(stdout);
		_exit(0);
	}
	close(pfd[1]);
	/* The wide stream may write in pieces: read to the end. */
	for (len = 0; len < sizeof(buf) - 1; len += (size_t)n) {
		n = read(pfd[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
	}
	close(pfd[0]);
	waitpid(pid, &status, 0);
	CHECK(len > 0, "no output");
	buf[len] = '\0';
	CHECK(!strcmp(buf, "[wide|w2|narrow|n2|-5|18446744073709551615|   42|7  |%|z|9]\n"),
	      "got '%s'", buf);
	return 0;
}

/* ---- portresctl ---- */

static char out[8192], err[8192];

/* Run portresctl with args (NULL-terminated); stdout/stderr into out/err. */
static int ctl(const char *arg, ...)
{
	const char *argv[16] = { CTL };
	FILE *fo = tmpfile(), *fe = tmpfile();
	int argc = 1, status;
	va_list ap;
	size_t n;
	pid_t pid;

	va_start(ap, arg);
	for (; arg && argc < 15; arg = va_arg(ap, const char *))
		argv[argc++] = arg;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fileno(fo), 1);
		dup2(fileno(fe), 2);
		execv(CTL, (char **)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	rewind(fo);
	rewind(fe);
	n = fread(out, 1, sizeof(out) - 1, fo);
	out[n] = '\0';
	n = fread(err, 1, sizeof(err) - 1, fe);
	err[n] = '\0';
	fclose(fo);
	fclose(fe);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define CTL_EXPECT(code, errpart, ...)					\
	do {								\
		int __rc = ctl(__VA_ARGS__, NULL);			\
		CHECK(__rc == (code) && strstr(err, (errpart)),		\
		      "exit %d (want %d), stderr '%s' (want '%s')",	\
		      __rc, (code), err, (errpart));			\
	} while (0)

static int portresctl_usage_errors(void)
{
	CTL_EXPECT(2, "Usage: portresctl", NULL);	/* no arguments */
	CTL_EXPECT(2, "unknown command 'frob'", "frob");
	CTL_EXPECT(2, "ports 65000-65599 go past 65535", "add", "tcp", "65000", "600");
	CTL_EXPECT(2, "start port 'abc' is not a number", "add", "tcp", "abc", "5");
	CTL_EXPECT(2, "start port 0 is out of range (1-65535)", "add", "tcp", "0", "5");
	CTL_EXPECT(2, "port count 0 is out of range", "delete", "udp", "7000", "0");
	CTL_EXPECT(2, "start port 70000 is out of range", "lookup", "udp", "70000", "1");
	CTL_EXPECT(2, "port count '5x' is not a number", "add", "tcp", "7000", "5x");
	CTL_EXPECT(2, "unknown protocol 'sctp'", "add", "sctp", "7000", "5");
	CTL_EXPECT(2, "missing port count", "add", "tcp", "7000");
	CTL_EXPECT(2, "no user named 'no-such-user'", "add", "tcp", "7000", "5",
		   "--uid", "no-such-user");
	CTL_EXPECT(2, "--gid needs a value", "add", "tcp", "7000", "5", "--gid");
	CTL_EXPECT(2, "unknown option '--frob'", "show", "--frob");
	CTL_EXPECT(2, "unknown protocol 'icmp'", "show", "icmp");
	CTL_EXPECT(2, "port 0 is out of range", "who", "0");
	CTL_EXPECT(2, "missing port", "who");
	CTL_EXPECT(2, "unexpected argument 'b'", "save", "a", "b");
	CTL_EXPECT(2, "Try 'portresctl add --help'", "add");
	return 0;
}

static int portresctl_help(void)
{
	int rc = ctl("--help", NULL);

	CHECK(rc == 0 && strstr(out, "Usage: portresctl COMMAND") &&
	      strstr(out, "restore"), "--help: %d '%s'", rc, out);
	rc = ctl("add", "--help", NULL);
	CHECK(rc == 0 && strstr(out, "Usage: portresctl add tcp|udp START COUNT"),
	      "add --help: %d '%s'", rc, out);
	rc = ctl("help", "save", NULL);
	CHECK(rc == 0 && strstr(out, "/etc/portres/reservations.conf"),
	      "help save: %d '%s'", rc, out);
	return 0;
}

/*
 * Options with getopt_long in every command: before or after the operands
 * (also with POSIXLY_CORRECT), "--" ends them, "--opt=value", bad ones.
 */
static int portresctl_options(void)
{
	char help[sizeof(out)];
	int rc;

	CTL_EXPECT(2, "portresctl who: unknown option '--frob'\nTry 'portresctl who --help'.\n",
		   "who", "--frob", "7000");
	CTL_EXPECT(2, "portresctl show: unknown option '-1'", "show", "--json", "-1x");
	CTL_EXPECT(2, "unknown option '-z'", "add", "tcp", "7000", "5", "-z");
	CTL_EXPECT(2, "option '--json' takes no value", "show", "--json=1");
	CTL_EXPECT(2, "option '--help' takes no value", "lookup", "--help=x");
	CTL_EXPECT(2, "portresctl daemon: --save needs a value", "daemon", "--save");
	CTL_EXPECT(2, "unexpected argument 'x'", "monitor", "x", "--json");
	CTL_EXPECT(2, "unexpected argument '6'", "delete", "tcp", "7000", "5", "6");
	/* After "--", "--help" and "-x" are operands. */
	CTL_EXPECT(2, "port '--help' is not a number", "who", "--", "--help");
	CTL_EXPECT(3, "save: " NO_MODULE, "save", "--", "-x");
	/* Options anywhere, either form of a value, a unique prefix. */
	CTL_EXPECT(3, "add tcp 7000-7004: " NO_MODULE, "add", "--uid", "0", "tcp",
		   "--gid=0", "7000", "5");
	CTL_EXPECT(3, "add udp 7000-7000: " NO_MODULE, "add", "udp", "7000", "1",
		   "--u=0");
	CTL_EXPECT(3, "show: " NO_MODULE, "show", "--js", "udp");
	setenv("POSIXLY_CORRECT", "1", 1);
	CTL_EXPECT(3, "add tcp 7000-7004: " NO_MODULE, "add", "tcp", "7000", "5",
		   "--uid", "0");
	unsetenv("POSIXLY_CORRECT");

	/* help COMMAND, COMMAND --help and COMMAND -h say the same. */
	rc = ctl("help", "daemon", NULL);
	CHECK(rc == 0 && !strncmp(out, "Usage: portresctl daemon [--save FILE]\n\n", 40),
	      "help daemon: %d '%s'", rc, out);
	strcpy(help, out);
	rc = ctl("daemon", "--save", "x", "--help", NULL);
	CHECK(rc == 0 && !strcmp(out, help), "daemon --help: %d '%s'", rc, out);
	rc = ctl("daemon", "-h", NULL);
	CHECK(rc == 0 && !strcmp(out, help), "daemon -h: %d '%s'", rc, out);

	rc = ctl("--version", NULL);
	CHECK(rc == 0 && !strncmp(out, "portresctl ", 11) && out[11] != '\n' &&
	      !strcmp(strchr(out, '\n'), "\n"), "--version: %d '%s'", rc, out);
	strcpy(help, out);
	rc = ctl("version", NULL);
	CHECK(rc == 0 && !strcmp(out, help), "version: %d '%s'", rc, out);
	CTL_EXPECT(2, "unexpected argument 'x'", "version", "x");
	return 0;
}

static int portresctl_without_module(void)
{
	char file[] = "/tmp/portres-host-test-XXXXXX";
	int fd;

	CTL_EXPECT(3, "show: " NO_MODULE, "show");
	CTL_EXPECT(3, NO_MODULE, "show", "udp", "--json");
	CTL_EXPECT(3, "add tcp 7000-7004: " NO_MODULE, "add", "tcp", "7000", "5");
	CTL_EXPECT(3, "delete udp 7000-7004: " NO_MODULE, "delete", "udp", "7000", "5");
	CTL_EXPECT(3, "lookup tcp 7000-7000: " NO_MODULE, "lookup", "tcp", "7000", "1");
	CTL_EXPECT(3, "save: " NO_MODULE, "save", "-");
	CTL_EXPECT(3, NO_MODULE, "who", "7000");
	CHECK(strstr(out, "tcp 7000:") && strstr(out, "udp 7000:"),
	      "who still shows sockets: '%s'", out);

	fd = mkstemp(file);
	CHECK(fd >= 0, "mkstemp");
	CHECK(write(fd, "# saved\ntcp 7000 5 9fd9db17fd305809 1000 -\n\n", 43) == 43,
	      "write");
	close(fd);
	CTL_EXPECT(3, "restore: " NO_MODULE, "restore", file);
	unlink(file);
	return 0;
}

static int portresctl_restore_rejects_bad_files(void)
{
	char file[] = "/tmp/portres-host-test-XXXXXX";
	const char *text =
		"tcp 7000 5 9fd9db17fd305809 1000 -\n"
		"tcp 7000 5 9fd9db17fd305809 1000\n"		/* 2: 5 fields */
		"sctp 7000 5 9fd9db17fd305809 - -\n"		/* 3 */
		"udp 65535 2 9fd9db17fd305809 - -\n"		/* 4 */
		"udp 100 2 9fd9 - -\n"				/* 5 */
		"udp 100 2 0000000000000000 - -\n"		/* 6 */
		"udp 100 2 9fd9db17fd305809 x -\n";		/* 7 */
	int fd = mkstemp(file);

	CHECK(fd >= 0, "mkstemp");
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write");
	close(fd);
	CTL_EXPECT(6, ":2: expected 6 fields", "restore", file);
	CHECK(strstr(err, ":3: protocol must be tcp or udp") &&
	      strstr(err, ":4: block goes past port 65535") &&
	      strstr(err, ":5: token must be 16 hex digits") &&
	      strstr(err, ":6: token must be 16 hex digits") &&
	      strstr(err, ":7: bad allowed uid") && !strstr(err, ":1:") &&
	      strstr(err, ": 6 unreadable lines not restored (named above)"), "stderr '%s'", err);
	unlink(file);
	CTL_EXPECT(6, "No such file or directory", "restore", file);
	return 0;
}

static int compat_examples_without_module(void)
{
	FILE *p;
	char buf[1024] = "";
	size_t n;
	int rc;

	/* Extracted from Microsoft's page at build time, where there is one. */
	if (access(USERSPACE_BUILD "/acquire_seed", X_OK)) {
		printf("# acquire_seed not built (no ../shared/seeds beside the repository): left out\n");
	} else {
		p = popen(USERSPACE_BUILD "/acquire_seed 2 1 6 5000 20", "r");
		CHECK(p, "popen");
		n = fread(buf, 1, sizeof(buf) - 1, p);
		buf[n] = '\0';
		rc = pclose(p);
		CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 1,
		      "acquire_seed status %d", rc);
		/* Its values only (its sentences are Microsoft's). */
		CHECK(strstr(buf, "error = 10045\n"), "acquire_seed: '%s'", buf);
	}

	p = popen(USERSPACE_BUILD "/persistent_udp 5000 20", "r");
	CHECK(p, "popen");
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	rc = pclose(p);
	CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 1, "persistent_udp status %d", rc);
	CHECK(strstr(buf, "CreatePersistentUdpPortReservation: error 50\n"),
	      "persistent_udp: '%s'", buf);
	return 0;
}

#define T(f) { #f, f }
static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	T(parser_reads_every_field),
	T(parser_reads_refused),
	T(parser_accepts_empty_listing),
	T(parser_rejects_malformed_lines),
	T(strerror_names_missing_module),
	T(strerror_depends_on_the_operation),
	T(errno_to_wsa_follows_design),
	T(errno_to_win32_return_codes),
	T(persistent_api_without_module),
	T(wsaioctl_checks_its_arguments),
	T(wide_shims),
	T(portresctl_usage_errors),
	T(portresctl_help),
	T(portresctl_options),
	T(portresctl_without_module),
	T(portresctl_restore_rejects_bad_files),
	T(compat_examples_without_module),
};

int main(void)
{
	size_t i, n = sizeof(tests) / sizeof(tests[0]);

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%zu\n", n);
	if (access("/dev/portres", F_OK) == 0) {
		printf("Bail out! the portres module is loaded: these tests need a host without it\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		int ok = tests[i].fn() == 0;

		printf("%sok %zu - %s\n", ok ? "" : "not ", i + 1, tests[i].name);
		failures += !ok;
	}
	printf("# %zu passed, %d failed\n", n - failures, failures);
	return failures ? 1 : 0;
}
