// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl against the module: add, lookup, delete, show (table and
 * JSON, with and without CAP_NET_ADMIN), who, and their errors and exit
 * codes (1 refused, 2 usage, 4 permission, 5 not found).
 *
 * Ports used: 29000-29499.
 */
#include <libgen.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libportres_util.h"

#define EXPECT(r, code, stream, part)					\
	do {								\
		if ((r)->status != (code) || !strstr((r)->stream, part)) { \
			show_prog(r);					\
			CHECK(0, "want exit %d and %s with '%s'", code,	\
			      #stream, part);				\
		}							\
	} while (0)

static bool is_token_line(const char *s)
{
	int i;

	for (i = 0; i < 16; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return s[16] == '\n' && !s[17];
}

static int add_lookup_delete(void)
{
	struct prog_result r;
	char want[128], tok[17];

	persistent_cleanup_at_exit(29000, 29499);
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29000", "5", NULL);
	if (r.status || !is_token_line(r.out)) {
		show_prog(&r);
		CHECK(0, "add: want exit 0 and a token");
	}
	memcpy(tok, r.out, 16);
	tok[16] = '\0';
	run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", "tcp", "29000", "5", NULL);
	snprintf(want, sizeof(want), "tcp 29000 5 %s - -\n", tok);
	if (r.status || strcmp(r.out, want)) {
		show_prog(&r);
		CHECK(0, "lookup: want '%s'", want);
	}
	run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", "udp", "29000", "5", NULL);
	EXPECT(&r, 5, err, "lookup udp 29000-29004: no persistent reservation of exactly that protocol and block");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", "tcp", "29000", "4", NULL);
	EXPECT(&r, 5, err, "no persistent reservation");
	run_prog(&r, AS_NOBODY, NULL, "portresctl", "delete", "tcp", "29000", "5", NULL);
	EXPECT(&r, 4, err, "deleting persistent reservations needs CAP_NET_ADMIN");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "delete", "tcp", "29000", "5", NULL);
	EXPECT(&r, 0, err, "");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "delete", "tcp", "29000", "5", NULL);
	EXPECT(&r, 5, err, "delete tcp 29000-29004: no persistent reservation");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", "tcp", "29000", "5", NULL);
	EXPECT(&r, 5, err, "no persistent reservation");
	return 0;
}

static int add_with_allowed_ids(void)
{
	struct prog_result r;

	persistent_cleanup_at_exit(29000, 29499);
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "udp", "29010", "3",
		 "--uid", "nobody", "--gid=65534", NULL);
	EXPECT(&r, 0, err, "");
	run_prog(&r, AS_NOBODY, NULL, "portresctl", "lookup", "udp", "29010", "3", NULL);
	EXPECT(&r, 0, out, " 65534 65534\n");
	CHECK(!strncmp(r.out, "udp 29010 3 ", 12), "'%s'", r.out);

	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29020", "2",
		 "--uid=0", NULL);
	EXPECT(&r, 0, err, "");
	run_prog(&r, AS_NOBODY, NULL, "portresctl", "lookup", "tcp", "29020", "2", NULL);
	EXPECT(&r, 4, err, "lookup tcp 29020-29021: the reservation's allowed uid/gid do not admit you");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", "tcp", "29020", "2", NULL);
	EXPECT(&r, 0, out, " 0 -\n");

	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29025", "1",
		 "--gid", "nogroup", NULL);
	EXPECT(&r, 0, err, "");
	run_prog(&r, AS_NOBODY, NULL, "portresctl", "lookup", "tcp", "29025", "1", NULL);
	EXPECT(&r, 0, out, " - 65534\n");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29026", "1",
		 "--uid", "no-such-user", NULL);
	EXPECT(&r, 2, err, "--uid: no user named 'no-such-user'");
	return 0;
}

static int add_errors(void)
{
	int l = xlistener(AF_INET6, 29035);
	struct prog_result r;

	persistent_cleanup_at_exit(29000, 29499);
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29030", "5", NULL);
	EXPECT(&r, 0, err, "");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29034", "2", NULL);
	EXPECT(&r, 1, err, "add tcp 29034-29035: the block overlaps a reservation or a bound port");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29035", "1", NULL);
	EXPECT(&r, 1, err, "overlaps");		/* the listener's port */
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "udp", "29035", "1", NULL);
	EXPECT(&r, 0, err, "");			/* the other protocol */
	run_prog(&r, AS_NOBODY, NULL, "portresctl", "add", "tcp", "29040", "1", NULL);
	EXPECT(&r, 4, err, "creating persistent reservations needs CAP_NET_ADMIN");
	run_prog(&r, AS_NOADMIN, NULL, "portresctl", "add", "tcp", "29040", "1", NULL);
	EXPECT(&r, 4, err, "needs CAP_NET_ADMIN");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "65500", "100", NULL);
	EXPECT(&r, 2, err, "ports 65500-65599 go past 65535");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "-1", "1", NULL);
	EXPECT(&r, 2, err, "");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29041", "1x", NULL);
	EXPECT(&r, 2, err, "port count '1x' is not a number");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "sctp", "29041", "1", NULL);
	EXPECT(&r, 2, err, "unknown protocol 'sctp'");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "remove", NULL);
	EXPECT(&r, 2, err, "unknown command 'remove'");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "delete", "--help", NULL);
	EXPECT(&r, 0, out, "Usage: portresctl delete tcp|udp START COUNT");
	close(l);
	return 0;
}

/* One persistent and one runtime reservation (this process's, one port bound). */
static int make_two(int *owner, int *bound, char *tok)
{
	struct inet_port_reservation_instance inst;
	struct prog_result r;

	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29100", "5",
		 "--uid", "1000", NULL);
	if (r.status || !is_token_line(r.out)) {
		show_prog(&r);
		CHECK(0, "add failed");
	}
	memcpy(tok, r.out, 16);
	tok[16] = '\0';
	*owner = xsock(AF_INET, IPPROTO_UDP);
	*bound = xsock(AF_INET6, IPPROTO_UDP);
	CHECK_OK(portres_acquire(*owner, 29110, 3, &inst));
	CHECK_OK(portres_associate(*bound, inst.token.token));
	CHECK_OK(bind_port(*bound, 29111));
	return 0;
}

static int show_table(void)
{
	struct prog_result r;
	char tok[17], runtime[128];
	int owner, bound;

	persistent_cleanup_at_exit(29000, 29499);
	CHECK_PASS(make_two(&owner, &bound, tok));
	snprintf(runtime, sizeof(runtime), "pid %d uid 0 (portresctl_cli)", getpid());
	/* Two binds the persistent block refuses. */
	for (int i = 0; i < 2; i++) {
		int o = xsock(AF_INET, IPPROTO_TCP);

		CHECK_ERR(bind_port(o, 29101 + i), -EACCES);
		close(o);
	}

	run_prog(&r, AS_ROOT, NULL, "portresctl", "show", NULL);
	if (r.status || !strstr(r.out, "Protocol  Start Port  End Port  Count  Kind        In use  Refused  Token             Owner\n") ||
	    count_lines(r.out, "tcp            29100     29104      5  persistent       0        2  ") != 1 ||
	    count_lines(r.out, tok) != 1 ||
	    count_lines(r.out, "uid 0, allows uid 1000 gid any") != 1 ||
	    count_lines(r.out, "udp            29110     29112      3  runtime          1        0  ") != 1 ||
	    count_lines(r.out, runtime) != 1) {
		show_prog(&r);
		CHECK(0, "show: table wrong");
	}
	/* The same from the netlink dump alone, with no /proc at all. */
	{
		static struct prog_result hidden;

		run_prog(&hidden, AS_ROOT_NO_PROC, NULL, "portresctl", "show", NULL);
		if (hidden.status || strcmp(hidden.out, r.out)) {
			show_prog(&hidden);
			CHECK(0, "show without /proc differs");
		}
	}
	run_prog(&r, AS_ROOT, NULL, "portresctl", "show", "udp", NULL);
	if (r.status || count_lines(r.out, "29100") || !count_lines(r.out, "29110")) {
		show_prog(&r);
		CHECK(0, "show udp: wrong rows");
	}
	run_prog(&r, AS_ROOT, NULL, "portresctl", "show", "tcp", NULL);
	if (r.status || !count_lines(r.out, "29100") || count_lines(r.out, "29110")) {
		show_prog(&r);
		CHECK(0, "show tcp: wrong rows");
	}
	/* Without CAP_NET_ADMIN: no tokens, no Token column. */
	run_prog(&r, AS_NOADMIN, NULL, "portresctl", "show", NULL);
	if (r.status || strstr(r.out, tok) || strstr(r.out, "Token") ||
	    count_lines(r.out, runtime) != 1) {
		show_prog(&r);
		CHECK(0, "show without CAP_NET_ADMIN wrong");
	}
	close(owner);
	close(bound);
	return 0;
}

static int show_json(void)
{
	struct prog_result r;
	char tok[17], want[512];
	int owner, bound;

	persistent_cleanup_at_exit(29000, 29499);
	CHECK_PASS(make_two(&owner, &bound, tok));
	run_prog(&r, AS_ROOT, NULL, "portresctl", "show", "--json", NULL);
	CHECK(r.out[0] == '[' && strstr(r.out, "]\n") && !r.status, "'%s'", r.out);
	snprintf(want, sizeof(want),
		 "{\"protocol\":\"tcp\",\"start\":29100,\"end\":29104,\"count\":5,"
		 "\"kind\":\"persistent\",\"in_use\":0,\"refused\":0,\"uid\":0,\"pid\":null,"
		 "\"command\":null,\"allowed_uid\":1000,\"allowed_gid\":null,"
		 "\"token\":\"%s\"}", tok);
	if (!strstr(r.out, want)) {
		show_prog(&r);
		CHECK(0, "no %s", want);
	}
	snprintf(want, sizeof(want),
		 "{\"protocol\":\"udp\",\"start\":29110,\"end\":29112,\"count\":3,"
		 "\"kind\":\"runtime\",\"in_use\":1,\"refused\":0,\"uid\":0,\"pid\":%d,"
		 "\"command\":\"portresctl_cli\",\"allowed_uid\":null,"
		 "\"allowed_gid\":null,\"token\":\"", getpid());
	if (!strstr(r.out, want)) {
		show_prog(&r);
		CHECK(0, "no %s", want);
	}
	run_prog(&r, AS_NOADMIN, NULL, "portresctl", "show", "tcp", "--json", NULL);
	if (r.status || strstr(r.out, tok) || !strstr(r.out, "\"token\":null}") ||
	    strstr(r.out, "\"udp\"")) {
		show_prog(&r);
		CHECK(0, "show tcp --json without CAP_NET_ADMIN wrong");
	}
	close(owner);
	close(bound);
	return 0;
}

static int who(void)
{
	struct prog_result r;
	char want[256], tok[17];
	int owner, bound, l = xlistener(AF_INET, 29200);

	persistent_cleanup_at_exit(29000, 29499);
	CHECK_PASS(make_two(&owner, &bound, tok));

	run_prog(&r, AS_ROOT, NULL, "portresctl", "who", "29111", "udp", NULL);
	snprintf(want, sizeof(want),
		 "udp 29111: reserved by runtime reservation 29110-29112 (1 of 3 in use, 0 binds refused), acquired by pid %d uid 0 (portresctl_cli), token ",
		 getpid());
	EXPECT(&r, 0, out, want);
	snprintf(want, sizeof(want), "udp 29111: bound by pid %d (portresctl_cli) fd %d, uid 0: [::]:29111 UNCONN\n",
		 getpid(), bound);
	EXPECT(&r, 0, out, want);
	CHECK(!strstr(r.out, "tcp 29111"), "tcp shown: '%s'", r.out);

	run_prog(&r, AS_ROOT, NULL, "portresctl", "who", "29200", NULL);
	snprintf(want, sizeof(want), "tcp 29200: bound by pid %d (portresctl_cli) fd %d, uid 0: 0.0.0.0:29200 LISTEN\n",
		 getpid(), l);
	EXPECT(&r, 0, out, want);
	EXPECT(&r, 0, out, "udp 29200: free (not reserved, no socket bound)\n");
	CHECK(!strstr(r.out, "reserved by"), "'%s'", r.out);

	run_prog(&r, AS_ROOT, NULL, "portresctl", "who", "29102", "tcp", NULL);
	snprintf(want, sizeof(want), "tcp 29102: reserved by persistent reservation 29100-29104 (0 of 5 in use, 0 binds refused), created by uid 0, allows uid 1000 gid any, token %s\n", tok);
	EXPECT(&r, 0, out, want);
	/* The reservation from the dump; no sockets without /proc. */
	run_prog(&r, AS_ROOT_NO_PROC, NULL, "portresctl", "who", "29102", "tcp", NULL);
	EXPECT(&r, 0, out, want);
	EXPECT(&r, 0, out, "");
	CHECK(count_lines(r.out, "29102") == 1, "'%s'", r.out);

	run_prog(&r, AS_NOADMIN, NULL, "portresctl", "who", "29102", "tcp", NULL);
	CHECK(!r.status && !strstr(r.out, tok) && strstr(r.out, "reserved by persistent"),
	      "who without CAP_NET_ADMIN: '%s'", r.out);

	run_prog(&r, AS_ROOT, NULL, "portresctl", "who", "70000", NULL);
	EXPECT(&r, 2, err, "port 70000 is out of range (1-65535)");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "who", "29102", "sctp", NULL);
	EXPECT(&r, 2, err, "unknown protocol 'sctp'");
	close(l);
	close(owner);
	close(bound);
	return 0;
}

/* portresctl monitor [--json] started with its output in a file. */
struct monitor {
	pid_t pid;
	FILE *out;
};

static void monitor_start(struct monitor *m, bool json)
{
	char dir[512], path[600];
	ssize_t len = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	m->out = tmpfile();
	if (len <= 0 || !m->out)
		die("monitor set-up: %s", strerror(errno));
	dir[len] = '\0';
	snprintf(path, sizeof(path), "%s/portresctl", dirname(dir));
	fflush(stdout);
	m->pid = fork();
	if (m->pid < 0)
		die("fork: %s", strerror(errno));
	if (!m->pid) {
		dup2(fileno(m->out), 1);
		execl(path, "portresctl", "monitor", json ? "--json" : NULL, NULL);
		_exit(127);
	}
}

static const char *monitor_text(struct monitor *m)
{
	static char buf[OUT_MAX];
	size_t n;

	fflush(m->out);
	rewind(m->out);
	n = fread(buf, 1, sizeof(buf) - 1, m->out);
	buf[n] = '\0';
	return buf;
}

/* Until the monitor prints the end of a probe block: then it listens. */
static int monitor_wait_ready(struct monitor *m, const char *probe_del)
{
	for (int i = 0; i < 100; i++) {
		int s = xsock(AF_INET, IPPROTO_UDP);
		struct inet_port_reservation_instance inst;

		CHECK_OK(portres_acquire(s, 29190, 1, &inst));
		close(s);
		usleep(100 * 1000);
		if (strstr(monitor_text(m), probe_del))
			return 0;
	}
	CHECK(0, "monitor printed no '%s': '%s'", probe_del, monitor_text(m));
	return 0;
}

static int monitor_stop(struct monitor *m)
{
	int status;

	kill(m->pid, SIGTERM);
	CHECK(waitpid(m->pid, &status, 0) == m->pid, "waitpid");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
	      "monitor ended by itself: status %#x", status);
	return 0;
}

static int monitor(void)
{
	struct monitor m;
	struct prog_result r;
	char want[256], tok[17];
	const char *out;
	int o;

	persistent_cleanup_at_exit(29000, 29499);
	monitor_start(&m, false);
	CHECK_PASS(monitor_wait_ready(&m, "del udp 29190-29190 runtime"));
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29150", "3",
		 "--gid", "100", NULL);
	CHECK(!r.status && is_token_line(r.out), "add failed");
	memcpy(tok, r.out, 16);
	tok[16] = '\0';
	o = xsock(AF_INET, IPPROTO_TCP);
	CHECK_ERR(bind_port(o, 29151), -EACCES);
	close(o);
	run_prog(&r, AS_ROOT, NULL, "portresctl", "delete", "tcp", "29150", "3", NULL);
	CHECK(!r.status, "delete failed");
	usleep(300 * 1000);
	CHECK_PASS(monitor_stop(&m));
	out = monitor_text(&m);
	snprintf(want, sizeof(want), "new udp 29190-29190 runtime pid %d uid 0 (portresctl_cli)\n", getpid());
	CHECK(strstr(out, want), "no '%s' in '%s'", want, out);
	CHECK(strstr(out, "\nnew tcp 29150-29152 persistent uid 0, allows uid any gid 100\n"
			  "del tcp 29150-29152 persistent uid 0, allows uid any gid 100 reason delete refused 1\n"),
	      "monitor printed '%s'", out);
	CHECK(!strstr(out, tok), "a token in the monitor's output");

	monitor_start(&m, true);
	CHECK_PASS(monitor_wait_ready(&m, "{\"event\":\"del\",\"protocol\":\"udp\",\"start\":29190"));
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "udp", "29160", "1", NULL);
	CHECK(!r.status, "add failed");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "delete", "udp", "29160", "1", NULL);
	usleep(300 * 1000);
	CHECK_PASS(monitor_stop(&m));
	out = monitor_text(&m);
	CHECK(strstr(out, "{\"event\":\"new\",\"protocol\":\"udp\",\"start\":29160,\"end\":29160,"
			  "\"count\":1,\"kind\":\"persistent\",\"refused\":0,\"uid\":0,\"pid\":null,"
			  "\"command\":null,\"allowed_uid\":null,\"allowed_gid\":null}\n"
			  "{\"event\":\"del\",\"protocol\":\"udp\",\"start\":29160,\"end\":29160,"
			  "\"count\":1,\"kind\":\"persistent\",\"refused\":0,\"uid\":0,\"pid\":null,"
			  "\"command\":null,\"allowed_uid\":null,\"allowed_gid\":null,\"reason\":\"delete\"}\n"),
	      "monitor --json printed '%s'", out);
	fclose(m.out);
	return 0;
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP_TEST(add_lookup_delete),
		TAP_TEST(add_with_allowed_ids),
		TAP_TEST(add_errors),
		TAP_TEST(show_table),
		TAP_TEST(show_json),
		TAP_TEST(who),
		TAP_TEST(monitor),
	};

	return run_tests(tests, ARRAY_SIZE(tests));
}
