// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl against the module: add, lookup, delete, show (table and
 * JSON, with and without CAP_NET_ADMIN), who, monitor, and their errors and
 * exit codes (1 refused, 2 usage, 4 permission, 5 not found).
 */
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "portres_test.h"
#include "libportres_util.h"

/* r is a successful add: its token (16 hex digits and a newline) into tok. */
static bool token_of(const struct prog_result *r, char tok[17])
{
	int i;

	for (i = 0; i < 16; i++)
		if (!r->out[i] || !strchr("0123456789abcdef", r->out[i]))
			break;
	if (!prog_ok(r, !r->status && i == 16 && !strcmp(r->out + 16, "\n")))
		return false;
	memcpy(tok, r->out, 16);
	tok[16] = '\0';
	return true;
}

PORTRES_FIXTURE(portresctl, PORTRES_NETNS);

TEST_F(portresctl, add_lookup_delete)
{
	static const struct ctl_step after[] = {
		{ AS_ROOT, { "lookup", "udp", "29000", "5" }, 5, ERR,
		  "lookup udp 29000-29004: no persistent reservation of exactly that protocol and block" },
		{ AS_ROOT, { "lookup", "tcp", "29000", "4" }, 5, ERR,
		  "no persistent reservation" },
		{ AS_NOBODY, { "delete", "tcp", "29000", "5" }, 4, ERR,
		  "deleting persistent reservations needs CAP_NET_ADMIN" },
		{ AS_ROOT, { "delete", "tcp", "29000", "5" }, 0, ERR, "" },
		{ AS_ROOT, { "delete", "tcp", "29000", "5" }, 5, ERR,
		  "delete tcp 29000-29004: no persistent reservation" },
		{ AS_ROOT, { "lookup", "tcp", "29000", "5" }, 5, ERR,
		  "no persistent reservation" },
	};
	struct prog_result r;
	char want[128], tok[17];

	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29000", "5", NULL);
	ASSERT_TRUE(token_of(&r, tok)) TH_LOG("add: want exit 0 and a token");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", "tcp", "29000", "5", NULL);
	snprintf(want, sizeof(want), "tcp 29000 5 %s - -\n", tok);
	ASSERT_PROG(&r, 0, out, want);
	ASSERT_STREQ(want, r.out);
	ASSERT_CTL_STEPS(&r, after);
}

TEST_F(portresctl, add_with_allowed_ids)
{
	static const struct ctl_step by_name[] = {
		{ AS_ROOT, { "add", "udp", "29010", "3", "--uid", "nobody",
			     "--gid=65534" }, 0, ERR, "" },
		{ AS_NOBODY, { "lookup", "udp", "29010", "3" }, 0, OUT,
		  " 65534 65534\n" },
	};
	static const struct ctl_step others[] = {
		{ AS_ROOT, { "add", "tcp", "29020", "2", "--uid=0" }, 0, ERR, "" },
		{ AS_NOBODY, { "lookup", "tcp", "29020", "2" }, 4, ERR,
		  "lookup tcp 29020-29021: the reservation's allowed uid/gid do not admit you" },
		{ AS_ROOT, { "lookup", "tcp", "29020", "2" }, 0, OUT, " 0 -\n" },
		{ AS_ROOT, { "add", "tcp", "29025", "1", "--gid", "nogroup" }, 0,
		  ERR, "" },
		{ AS_NOBODY, { "lookup", "tcp", "29025", "1" }, 0, OUT,
		  " - 65534\n" },
		{ AS_ROOT, { "add", "tcp", "29026", "1", "--uid",
			     "no-such-user" }, 2, ERR,
		  "--uid: no user named 'no-such-user'" },
	};
	struct prog_result r;

	ASSERT_CTL_STEPS(&r, by_name);
	ASSERT_EQ(0, strncmp(r.out, "udp 29010 3 ", 12)) TH_LOG("'%s'", r.out);
	ASSERT_CTL_STEPS(&r, others);
}

TEST_F(portresctl, add_errors)
{
	static const struct ctl_step steps[] = {
		{ AS_ROOT, { "add", "tcp", "29030", "5" }, 0, ERR, "" },
		{ AS_ROOT, { "add", "tcp", "29034", "2" }, 1, ERR,
		  "add tcp 29034-29035: the block overlaps a reservation or a bound port" },
		/* The listener's port; then the other protocol. */
		{ AS_ROOT, { "add", "tcp", "29035", "1" }, 1, ERR, "overlaps" },
		{ AS_ROOT, { "add", "udp", "29035", "1" }, 0, ERR, "" },
		{ AS_NOBODY, { "add", "tcp", "29040", "1" }, 4, ERR,
		  "creating persistent reservations needs CAP_NET_ADMIN" },
		{ AS_NOADMIN, { "add", "tcp", "29040", "1" }, 4, ERR,
		  "needs CAP_NET_ADMIN" },
		{ AS_ROOT, { "add", "tcp", "65500", "100" }, 2, ERR,
		  "ports 65500-65599 go past 65535" },
		{ AS_ROOT, { "add", "tcp", "-1", "1" }, 2, ERR, "" },
		{ AS_ROOT, { "add", "tcp", "29041", "1x" }, 2, ERR,
		  "port count '1x' is not a number" },
		{ AS_ROOT, { "add", "sctp", "29041", "1" }, 2, ERR,
		  "unknown protocol 'sctp'" },
		{ AS_ROOT, { "remove" }, 2, ERR, "unknown command 'remove'" },
		{ AS_ROOT, { "delete", "--help" }, 0, OUT,
		  "Usage: portresctl delete tcp|udp START COUNT" },
	};
	int l = xlistener(AF_INET6, 29035);
	struct prog_result r;

	ASSERT_CTL_STEPS(&r, steps);
	close(l);
}

/*
 * show and who: one persistent reservation (29100-29104, for uid 1000) and
 * one runtime reservation (29110-29112, the test process's, one port bound).
 */
FIXTURE(two_blocks) {
	int owner, bound;
	char tok[17];			/* the persistent one's */
	char runtime[128];		/* its owner as show prints it */
};

FIXTURE_SETUP(two_blocks)
{
	struct inet_port_reservation_instance inst;
	struct prog_result r;

	portres_setup(_metadata, PORTRES_NETNS);
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29100", "5",
		 "--uid", "1000", NULL);
	ASSERT_TRUE(token_of(&r, self->tok)) TH_LOG("add failed");
	self->owner = xsock(AF_INET, IPPROTO_UDP);
	self->bound = xsock(AF_INET6, IPPROTO_UDP);
	ASSERT_OK(portres_acquire(self->owner, 29110, 3, &inst));
	ASSERT_OK(portres_associate(self->bound, inst.token.token));
	ASSERT_OK(bind_port(self->bound, 29111));
	snprintf(self->runtime, sizeof(self->runtime),
		 "pid %d uid 0 (portresctl_cli)", getpid());
}

FIXTURE_TEARDOWN_PARENT(two_blocks)
{
	portres_teardown(_metadata);
}

TEST_F(two_blocks, show_table)
{
	static struct prog_result r, hidden;
	const char *tok = self->tok, *runtime = self->runtime;

	/* Two binds the persistent block refuses. */
	for (int i = 0; i < 2; i++) {
		int o = xsock(AF_INET, IPPROTO_TCP);

		ASSERT_ERRNO(bind_port(o, 29101 + i), -EACCES);
		close(o);
	}

	run_prog(&r, AS_ROOT, NULL, "portresctl", "show", NULL);
	ASSERT_TRUE(prog_ok(&r, !r.status &&
		strstr(r.out, "Protocol  Start Port  End Port  Count  Kind        In use  Refused  Token             Owner\n") &&
		count_lines(r.out, "tcp            29100     29104      5  persistent       0        2  ") == 1 &&
		count_lines(r.out, tok) == 1 &&
		count_lines(r.out, "uid 0, allows uid 1000 gid any") == 1 &&
		count_lines(r.out, "udp            29110     29112      3  runtime          1        0  ") == 1 &&
		count_lines(r.out, runtime) == 1)) TH_LOG("show: table wrong");
	/* The same from the netlink dump alone, with no /proc at all. */
	run_prog(&hidden, AS_ROOT_NO_PROC, NULL, "portresctl", "show", NULL);
	ASSERT_TRUE(prog_ok(&hidden, !hidden.status && !strcmp(hidden.out, r.out)))
		TH_LOG("show without /proc differs");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "show", "udp", NULL);
	ASSERT_TRUE(prog_ok(&r, !r.status && !count_lines(r.out, "29100") &&
			    count_lines(r.out, "29110")))
		TH_LOG("show udp: wrong rows");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "show", "tcp", NULL);
	ASSERT_TRUE(prog_ok(&r, !r.status && count_lines(r.out, "29100") &&
			    !count_lines(r.out, "29110")))
		TH_LOG("show tcp: wrong rows");
	/* Without CAP_NET_ADMIN: no tokens, no Token column. */
	run_prog(&r, AS_NOADMIN, NULL, "portresctl", "show", NULL);
	ASSERT_TRUE(prog_ok(&r, !r.status && !strstr(r.out, tok) &&
			    !strstr(r.out, "Token") &&
			    count_lines(r.out, runtime) == 1))
		TH_LOG("show without CAP_NET_ADMIN wrong");
}

TEST_F(two_blocks, show_json)
{
	struct prog_result r;
	char want[512];

	run_prog(&r, AS_ROOT, NULL, "portresctl", "show", "--json", NULL);
	ASSERT_TRUE(r.out[0] == '[' && strstr(r.out, "]\n") && !r.status)
		TH_LOG("'%s'", r.out);
	snprintf(want, sizeof(want),
		 "{\"protocol\":\"tcp\",\"start\":29100,\"end\":29104,\"count\":5,"
		 "\"kind\":\"persistent\",\"in_use\":0,\"refused\":0,\"uid\":0,\"pid\":null,"
		 "\"command\":null,\"allowed_uid\":1000,\"allowed_gid\":null,"
		 "\"token\":\"%s\"}", self->tok);
	ASSERT_PROG(&r, 0, out, want);
	snprintf(want, sizeof(want),
		 "{\"protocol\":\"udp\",\"start\":29110,\"end\":29112,\"count\":3,"
		 "\"kind\":\"runtime\",\"in_use\":1,\"refused\":0,\"uid\":0,\"pid\":%d,"
		 "\"command\":\"portresctl_cli\",\"allowed_uid\":null,"
		 "\"allowed_gid\":null,\"token\":\"", getpid());
	ASSERT_PROG(&r, 0, out, want);
	run_prog(&r, AS_NOADMIN, NULL, "portresctl", "show", "tcp", "--json", NULL);
	ASSERT_TRUE(prog_ok(&r, !r.status && !strstr(r.out, self->tok) &&
			    strstr(r.out, "\"token\":null}") &&
			    !strstr(r.out, "\"udp\"")))
		TH_LOG("show tcp --json without CAP_NET_ADMIN wrong");
}

TEST_F(two_blocks, who)
{
	int l = xlistener(AF_INET, 29200);
	struct prog_result r;
	char want[256];

	run_prog(&r, AS_ROOT, NULL, "portresctl", "who", "29111", "udp", NULL);
	snprintf(want, sizeof(want),
		 "udp 29111: reserved by runtime reservation 29110-29112 (1 of 3 in use, 0 binds refused), acquired by pid %d uid 0 (portresctl_cli), token ",
		 getpid());
	ASSERT_PROG(&r, 0, out, want);
	snprintf(want, sizeof(want), "udp 29111: bound by pid %d (portresctl_cli) fd %d, uid 0: [::]:29111 UNCONN\n",
		 getpid(), self->bound);
	ASSERT_PROG(&r, 0, out, want);
	ASSERT_FALSE(strstr(r.out, "tcp 29111")) TH_LOG("tcp shown: '%s'", r.out);

	run_prog(&r, AS_ROOT, NULL, "portresctl", "who", "29200", NULL);
	snprintf(want, sizeof(want), "tcp 29200: bound by pid %d (portresctl_cli) fd %d, uid 0: 0.0.0.0:29200 LISTEN\n",
		 getpid(), l);
	ASSERT_PROG(&r, 0, out, want);
	ASSERT_PROG(&r, 0, out, "udp 29200: free (not reserved, no socket bound)\n");
	ASSERT_FALSE(strstr(r.out, "reserved by")) TH_LOG("'%s'", r.out);

	run_prog(&r, AS_ROOT, NULL, "portresctl", "who", "29102", "tcp", NULL);
	snprintf(want, sizeof(want), "tcp 29102: reserved by persistent reservation 29100-29104 (0 of 5 in use, 0 binds refused), created by uid 0, allows uid 1000 gid any, token %s\n",
		 self->tok);
	ASSERT_PROG(&r, 0, out, want);
	/* The reservation from the dump; no sockets without /proc. */
	run_prog(&r, AS_ROOT_NO_PROC, NULL, "portresctl", "who", "29102", "tcp", NULL);
	ASSERT_PROG(&r, 0, out, want);
	ASSERT_EQ(1, count_lines(r.out, "29102")) TH_LOG("'%s'", r.out);

	run_prog(&r, AS_NOADMIN, NULL, "portresctl", "who", "29102", "tcp", NULL);
	ASSERT_TRUE(!r.status && !strstr(r.out, self->tok) &&
		    strstr(r.out, "reserved by persistent"))
		TH_LOG("who without CAP_NET_ADMIN: '%s'", r.out);

	run_prog(&r, AS_ROOT, NULL, "portresctl", "who", "70000", NULL);
	ASSERT_PROG(&r, 2, err, "port 70000 is out of range (1-65535)");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "who", "29102", "sctp", NULL);
	ASSERT_PROG(&r, 2, err, "unknown protocol 'sctp'");
	close(l);
}

/*
 * Until the monitor prints the end of a probe block (runtime reservations
 * of 29190 made and ended here): then it listens.
 */
static void monitor_wait_ready(struct __test_metadata *_metadata,
			       struct bg_prog *m, const char *probe_del)
{
	for (int i = 0; i < 100; i++) {
		int s = xsock(AF_INET, IPPROTO_UDP);
		struct inet_port_reservation_instance inst;

		ASSERT_OK(portres_acquire(s, 29190, 1, &inst));
		close(s);
		usleep(100 * 1000);
		if (strstr(bg_output(m), probe_del))
			return;
	}
	ASSERT_TRUE(0) TH_LOG("monitor printed no '%s': '%s'", probe_del,
			      bg_output(m));
}

/* SIGTERM ends it: it did not end by itself before. */
static void monitor_stop(struct __test_metadata *_metadata, struct bg_prog *m)
{
	int status = bg_stop(m);

	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)
		TH_LOG("monitor ended by itself: status %#x", status);
}

TEST_F(portresctl, monitor)
{
	struct bg_prog m;
	struct prog_result r;
	char want[256], tok[17];
	const char *out;
	int o;

	bg_start(&m, 1, "portresctl", "monitor", NULL);
	monitor_wait_ready(_metadata, &m, "del udp 29190-29190 runtime");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29150", "3",
		 "--gid", "100", NULL);
	ASSERT_TRUE(token_of(&r, tok)) TH_LOG("add failed");
	o = xsock(AF_INET, IPPROTO_TCP);
	ASSERT_ERRNO(bind_port(o, 29151), -EACCES);
	close(o);
	run_prog(&r, AS_ROOT, NULL, "portresctl", "delete", "tcp", "29150", "3", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("delete failed");
	usleep(300 * 1000);
	monitor_stop(_metadata, &m);
	out = bg_output(&m);
	snprintf(want, sizeof(want), "new udp 29190-29190 runtime pid %d uid 0 (portresctl_cli)\n", getpid());
	ASSERT_TRUE(strstr(out, want)) TH_LOG("no '%s' in '%s'", want, out);
	ASSERT_TRUE(strstr(out, "\nnew tcp 29150-29152 persistent uid 0, allows uid any gid 100\n"
				"del tcp 29150-29152 persistent uid 0, allows uid any gid 100 reason delete refused 1\n"))
		TH_LOG("monitor printed '%s'", out);
	ASSERT_FALSE(strstr(out, tok)) TH_LOG("a token in the monitor's output");

	bg_start(&m, 1, "portresctl", "monitor", "--json", NULL);
	monitor_wait_ready(_metadata, &m,
			   "{\"event\":\"del\",\"protocol\":\"udp\",\"start\":29190");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "udp", "29160", "1", NULL);
	ASSERT_EQ(0, r.status) TH_LOG("add failed");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "delete", "udp", "29160", "1", NULL);
	usleep(300 * 1000);
	monitor_stop(_metadata, &m);
	out = bg_output(&m);
	ASSERT_TRUE(strstr(out, "{\"event\":\"new\",\"protocol\":\"udp\",\"start\":29160,\"end\":29160,"
				"\"count\":1,\"kind\":\"persistent\",\"refused\":0,\"uid\":0,\"pid\":null,"
				"\"command\":null,\"allowed_uid\":null,\"allowed_gid\":null}\n"
				"{\"event\":\"del\",\"protocol\":\"udp\",\"start\":29160,\"end\":29160,"
				"\"count\":1,\"kind\":\"persistent\",\"refused\":0,\"uid\":0,\"pid\":null,"
				"\"command\":null,\"allowed_uid\":null,\"allowed_gid\":null,\"reason\":\"delete\"}\n"))
		TH_LOG("monitor --json printed '%s'", out);
}

TEST_HARNESS_MAIN
