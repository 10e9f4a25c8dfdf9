// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/port_reservations: the header and every field of runtime and
 * persistent lines, ports in use, the order of lines, the escaping of the
 * command name, the token shown only to files opened with CAP_NET_ADMIN,
 * and one listing per network namespace.
 *
 * Each test runs in a network namespace of its own (portres_test.h): the
 * listing shows its lines only.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "portres_test.h"
#include "persist_util.h"

#define TCP	IPPROTO_TCP
#define UDP	IPPROTO_UDP

/* Children drop to nobody: they must reach /dev/portres and /proc. */
static void __attribute__((constructor)) traversable(void)
{
	root_traversable();
}

PORTRES_FIXTURE(procfs, PORTRES_NETNS);

static void set_comm(const char *name)
{
	if (prctl(PR_SET_NAME, name, 0, 0, 0))
		die("PR_SET_NAME: %s", strerror(errno));
}

static struct proc_listing listing;

static void xread_listing(const char *path)
{
	int err = proc_read(path, &listing);

	if (err)
		die("read %s: %s", path, errname(-err));
}

/*
 * The line must be exactly want (printf format) and the refused count 0:
 * these tests refuse no bind (events.c counts refusals).
 */
static void expect_line(struct __test_metadata *_metadata,
			const struct proc_listing *l, const char *proto,
			uint16_t first, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void expect_line(struct __test_metadata *_metadata,
			const struct proc_listing *l, const char *proto,
			uint16_t first, const char *fmt, ...)
{
	const struct proc_line *pl = proc_find(l, proto, first);
	char want[512];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	if (len >= 0 && (size_t)len < sizeof(want))
		snprintf(want + len, sizeof(want) - len, " 0");
	ASSERT_TRUE(pl != NULL) TH_LOG("no %s line for %u", proto, first);
	ASSERT_STREQ(want, pl->raw);
}

/* A child holding a runtime reservation until told to let go. */
struct holder {
	struct hs h;
	uid_t uid;
	int proto;
	uint16_t start, n;
	char comm[16];
	/* out (shared page) */
	uint64_t token;
	pid_t pid;
};

static int hold(void *arg)
{
	struct holder *a = arg;
	int fd;

	hs_child_side(&a->h);
	if (a->uid)
		drop_to_uid(a->uid);
	set_comm(a->comm);
	fd = xsock(AF_INET, a->proto);
	a->token = xacquire(fd, a->start, a->n, NULL);
	a->pid = getpid();
	hs_post(a->h.to_parent[1]);
	hs_wait(a->h.to_child[0]);
	close(fd);
	return 0;
}

static pid_t start_holder(struct holder *a)
{
	pid_t pid;

	hs_init(&a->h);
	pid = child_start(hold, a);
	hs_parent_side(&a->h);
	hs_wait(a->h.to_parent[0]);
	return pid;
}

static int stop_holder(struct holder *a, pid_t pid)
{
	hs_post(a->h.to_child[1]);
	close(a->h.to_child[1]);
	close(a->h.to_parent[0]);
	return child_wait(pid);
}

TEST_F(procfs, header_and_runtime_lines)
{
	struct holder *a = shared_page();
	uint64_t tok;
	pid_t pid;
	int fd;

	set_comm("procfs-rt");
	fd = xsock(AF_INET6, TCP);
	tok = xacquire(fd, 31000, 5, NULL);
	a->uid = NOBODY_UID;
	a->proto = UDP;
	a->start = 31010;
	a->n = 1;
	strcpy(a->comm, "holder");
	pid = start_holder(a);

	xread_listing(PROC_RESV);
	ASSERT_STREQ(PROC_HEADER, listing.header);
	expect_line(_metadata, &listing, "tcp", 31000,
		    "tcp 31000 31004 5 runtime 0 0 %d - - %s procfs-rt",
		    getpid(), tok_hex(tok));
	expect_line(_metadata, &listing, "udp", 31010,
		    "udp 31010 31010 1 runtime 0 %u %d - - %s holder",
		    NOBODY_UID, a->pid, tok_hex(a->token));
	ASSERT_OK(stop_holder(a, pid));
	close(fd);
	xread_listing(PROC_RESV);
	ASSERT_FALSE(proc_find(&listing, "tcp", 31000) ||
		     proc_find(&listing, "udp", 31010))
		TH_LOG("released lines still listed");
}

/* Become euid 1234 but keep CAP_NET_ADMIN, to create as that user. */
static int create_as_1234(void *arg)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int ctl;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setresgid(99, 99, 99) ||
	    setresuid(1234, 1234, 1234))
		die("setresuid: %s", strerror(errno));
	if (syscall(SYS_capget, &hdr, data))
		die("capget: %s", strerror(errno));
	data[0].effective = data[0].permitted;
	data[1].effective = data[1].permitted;
	if (syscall(SYS_capset, &hdr, data))
		die("capset: %s", strerror(errno));
	ctl = xctl_open();
	return pcreate(ctl, TCP, 31120, 2, ANY_ID, ANY_ID, arg);
}

TEST_F(procfs, persistent_lines)
{
	uint64_t *t = shared_page();
	int ctl;

	ctl = xctl_open();
	ASSERT_OK(pcreate(ctl, TCP, 31100, 3, 1000, 2000, &t[0]));
	ASSERT_OK(pcreate(ctl, UDP, 31100, 1, ANY_ID, ANY_ID, &t[1]));
	ASSERT_OK(pcreate(ctl, UDP, 31105, 2, 1000, ANY_ID, &t[2]));
	ASSERT_OK(pcreate(ctl, TCP, 31110, 1, ANY_ID, NOBODY_UID, &t[3]));
	/* The uid field is the creator's. */
	ASSERT_OK(child_run(create_as_1234, &t[4]));

	xread_listing(PROC_RESV);
	expect_line(_metadata, &listing, "tcp", 31100,
		    "tcp 31100 31102 3 persistent 0 0 - 1000 2000 %s -",
		    tok_hex(t[0]));
	expect_line(_metadata, &listing, "udp", 31100,
		    "udp 31100 31100 1 persistent 0 0 - - - %s -",
		    tok_hex(t[1]));
	expect_line(_metadata, &listing, "udp", 31105,
		    "udp 31105 31106 2 persistent 0 0 - 1000 - %s -",
		    tok_hex(t[2]));
	expect_line(_metadata, &listing, "tcp", 31110,
		    "tcp 31110 31110 1 persistent 0 0 - - %u %s -",
		    NOBODY_UID, tok_hex(t[3]));
	expect_line(_metadata, &listing, "tcp", 31120,
		    "tcp 31120 31121 2 persistent 0 1234 - - - %s -",
		    tok_hex(t[4]));
	xpdelete(ctl, TCP, 31100, 3);
	xread_listing(PROC_RESV);
	ASSERT_FALSE(proc_find(&listing, "tcp", 31100))
		TH_LOG("deleted line still listed");
	close(ctl);
}

static int in_use(const char *proto, uint16_t first)
{
	const struct proc_line *pl;

	xread_listing(PROC_RESV);
	pl = proc_find(&listing, proto, first);
	if (!pl)
		die("no %s line for %u", proto, first);
	return atoi(pl->f[PL_IN_USE]);
}

/* Binds 31202 in a namespace of its own: not this namespace's use. */
static int bind_elsewhere(void *arg)
{
	struct hs *h = arg;
	int fd;

	hs_child_side(h);
	if (unshare(CLONE_NEWNET))
		die("unshare: %s", strerror(errno));
	fd = xsock(AF_INET, TCP);
	if (bind_port(fd, 31202))
		die("bind 31202 in the new namespace: %s", strerror(errno));
	hs_post(h->to_parent[1]);
	hs_wait(h->to_child[0]);
	close(fd);
	return 0;
}

TEST_F(procfs, in_use_counts_bound_ports)
{
	int rt, a, b, c, d, ctl, u[3], port, pb, share;
	uint64_t tok, utok;
	struct hs h;
	pid_t pid;

	rt = xsock(AF_INET, TCP);
	tok = xacquire(rt, 31200, 4, NULL);
	ASSERT_EQ(0, in_use("tcp", 31200)) TH_LOG("an unused block");
	a = xsock(AF_INET, TCP);
	xassociate(a, tok);
	ASSERT_OK(bind_port(a, 0));
	ASSERT_OK(listen(a, 4) ? -errno : 0);
	ASSERT_EQ(1, in_use("tcp", 31200));
	b = xsock(AF_INET6, TCP);
	xassociate(b, tok);
	/* bind(0) took any port of the block: b and c, d take others. */
	pb = local_port(a) == 31203 ? 31202 : 31203;
	ASSERT_OK(bind_port(b, pb));	/* bound, not listening */
	ASSERT_EQ(2, in_use("tcp", 31200));
	/* Two sockets sharing one port (SO_REUSEPORT) count it once. */
	for (share = 31200; share == local_port(a) || share == pb;)
		share++;
	c = xsock(AF_INET, TCP);
	d = xsock(AF_INET, TCP);
	set_int_opt(c, SOL_SOCKET, SO_REUSEPORT, 1);
	set_int_opt(d, SOL_SOCKET, SO_REUSEPORT, 1);
	xassociate(c, tok);
	xassociate(d, tok);
	ASSERT_OK(bind_port(c, share));
	ASSERT_OK(bind_port(d, share));
	ASSERT_EQ(3, in_use("tcp", 31200));

	hs_init(&h);
	pid = child_start(bind_elsewhere, &h);
	hs_parent_side(&h);
	hs_wait(h.to_parent[0]);
	ASSERT_EQ(3, in_use("tcp", 31200))
		TH_LOG("another namespace's socket counted");
	hs_post(h.to_child[1]);
	ASSERT_OK(child_wait(pid));

	close(c);
	ASSERT_EQ(3, in_use("tcp", 31200));
	close(d);
	close(a);	/* listening, no connection: no TIME_WAIT */
	ASSERT_EQ(1, in_use("tcp", 31200));
	close(b);
	ASSERT_EQ(0, in_use("tcp", 31200));

	/* Persistent UDP, with sockets of other processes' kind: associated. */
	ctl = xctl_open();
	ASSERT_OK(pcreate(ctl, UDP, 31210, 3, ANY_ID, ANY_ID, &utok));
	for (port = 0; port < 3; port++) {
		u[port] = xsock(port & 1 ? AF_INET6 : AF_INET, UDP);
		xassociate(u[port], utok);
		ASSERT_OK(bind_port(u[port], 0));
		ASSERT_EQ(port + 1, in_use("udp", 31210));
	}
	/* Same port numbers, other protocol: not counted. */
	ASSERT_EQ(0, in_use("tcp", 31200)) TH_LOG("TCP in_use");
	for (port = 0; port < 3; port++)
		close(u[port]);
	ASSERT_EQ(0, in_use("udp", 31210)) TH_LOG("after close");
	close(ctl);
	close(rt);
}

TEST_F(procfs, lines_are_tcp_first_then_by_port)
{
	static const struct {
		const char *proto;
		uint16_t first;
	} want[] = {
		{ "tcp", 31310 }, { "tcp", 31340 }, { "tcp", 31350 },
		{ "udp", 31300 }, { "udp", 31330 },
	};
	int ctl, rt, ru, i, k = 0;

	ctl = xctl_open();
	/* Made in no particular order. */
	ASSERT_OK(pcreate(ctl, UDP, 31330, 1, ANY_ID, ANY_ID, NULL));
	ASSERT_OK(pcreate(ctl, TCP, 31350, 1, ANY_ID, ANY_ID, NULL));
	rt = xsock(AF_INET, TCP);
	xacquire(rt, 31340, 2, NULL);
	ru = xsock(AF_INET, UDP);
	xacquire(ru, 31300, 1, NULL);
	ASSERT_OK(pcreate(ctl, TCP, 31310, 5, ANY_ID, ANY_ID, NULL));

	xread_listing(PROC_RESV);
	for (i = 0; i < listing.n; i++) {
		const struct proc_line *pl = &listing.line[i];
		int first = atoi(pl->f[PL_FIRST]);

		if (i) {
			const struct proc_line *prev = &listing.line[i - 1];
			int c = strcmp(prev->f[PL_PROTO], pl->f[PL_PROTO]);

			ASSERT_TRUE(c < 0 || (c == 0 && atoi(prev->f[PL_FIRST]) < first))
				TH_LOG("'%s' after '%s'", pl->raw, prev->raw);
		}
		ASSERT_LT(k, (int)ARRAY_SIZE(want)) TH_LOG("extra line '%s'", pl->raw);
		ASSERT_TRUE(!strcmp(pl->f[PL_PROTO], want[k].proto) &&
			    first == want[k].first)
			TH_LOG("line %d is '%s', want %s %u", k, pl->raw,
			       want[k].proto, want[k].first);
		k++;
	}
	ASSERT_EQ(ARRAY_SIZE(want), (size_t)k);
	close(rt);
	close(ru);
	close(ctl);
}

TEST_F(procfs, comm_is_octal_escaped)
{
	static const struct {
		const char *comm, *shown;
	} cases[] = {
		{ "a b\\c\td\ne", "a\\040b\\134c\\011d\\012e" },
		{ "fifteen-chars-x", "fifteen-chars-x" },
		{ " ", "\\040" },
	};
	struct holder *a = shared_page();
	size_t i;
	pid_t pid;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(a, 0, sizeof(*a));
		a->proto = TCP;
		a->start = 31400 + i;
		a->n = 1;
		snprintf(a->comm, sizeof(a->comm), "%s", cases[i].comm);
		pid = start_holder(a);
		xread_listing(PROC_RESV);
		expect_line(_metadata, &listing, "tcp", 31400 + i,
			    "tcp %zu %zu 1 runtime 0 0 %d - - %s %s",
			    31400 + i, 31400 + i, a->pid,
			    tok_hex(a->token), cases[i].shown);
		ASSERT_OK(stop_holder(a, pid));
	}
}

/* ---- who sees the token ---- */

enum reader { NOBODY_OPENS, NOADMIN_OPENS, ROOT_OPENS_THEN_NOBODY };

struct tok_arg {
	struct __test_metadata *_metadata;
	enum reader how;
	uint16_t first[2];
	uint64_t token[2];
};

static int read_tokens(void *arg)
{
	struct tok_arg *a = arg;
	struct __test_metadata *_metadata = a->_metadata;
	bool shown = a->how == ROOT_OPENS_THEN_NOBODY;
	int fd = -1, i;

	if (a->how == NOBODY_OPENS)
		drop_to_uid(NOBODY_UID);
	else if (a->how == NOADMIN_OPENS)
		drop_cap(CAP_NET_ADMIN);
	fd = open(PROC_RESV, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", PROC_RESV, strerror(errno));
	/* It is the opener's credentials that count, not the reader's. */
	if (a->how == ROOT_OPENS_THEN_NOBODY)
		drop_to_uid(NOBODY_UID);
	ASSERT_OK(proc_read_fd(fd, &listing));
	for (i = 0; i < 2; i++) {
		const struct proc_line *pl = proc_find(&listing, "tcp",
						       a->first[i]);

		ASSERT_TRUE(pl != NULL) TH_LOG("no line for %u", a->first[i]);
		ASSERT_STREQ(shown ? tok_hex(a->token[i]) : "-", pl->f[PL_TOKEN])
			TH_LOG("reader %d: in '%s'", a->how, pl->raw);
	}
	close(fd);
	return 0;
}

static int open_as_nobody(void *arg)
{
	int sock = *(int *)arg;
	int fd;

	drop_to_uid(NOBODY_UID);
	fd = open(PROC_RESV, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", PROC_RESV, strerror(errno));
	send_fd(sock, fd);
	return 0;
}

TEST_F(procfs, token_only_for_files_opened_with_cap_net_admin)
{
	struct tok_arg a = { ._metadata = _metadata, .first = { 31500, 31510 } };
	const struct proc_line *pl;
	int ctl, rt, sv[2], fd, i;

	ctl = xctl_open();
	ASSERT_OK(pcreate(ctl, TCP, 31500, 2, 1000, ANY_ID, &a.token[0]));
	rt = xsock(AF_INET, TCP);
	a.token[1] = xacquire(rt, 31510, 1, NULL);

	xread_listing(PROC_RESV);
	for (i = 0; i < 2; i++) {
		pl = proc_find(&listing, "tcp", a.first[i]);
		ASSERT_TRUE(pl && !strcmp(pl->f[PL_TOKEN], tok_hex(a.token[i])))
			TH_LOG("root does not see token %s", tok_hex(a.token[i]));
	}
	a.how = NOBODY_OPENS;
	ASSERT_OK(child_run(read_tokens, &a));
	a.how = NOADMIN_OPENS;
	ASSERT_OK(child_run(read_tokens, &a));
	a.how = ROOT_OPENS_THEN_NOBODY;
	ASSERT_OK(child_run(read_tokens, &a));

	/* A file nobody opened hides the token from root too. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) ? -errno : 0);
	ASSERT_OK(child_run(open_as_nobody, &sv[1]));
	fd = recv_fd(sv[0]);
	ASSERT_OK(proc_read_fd(fd, &listing));
	pl = proc_find(&listing, "tcp", 31500);
	ASSERT_TRUE(pl && !strcmp(pl->f[PL_TOKEN], "-"))
		TH_LOG("nobody's file shows root the token: '%s'", pl ? pl->raw : "");
	close(fd);
	close(sv[0]);
	close(sv[1]);
	close(rt);
	close(ctl);
}

/* ---- namespaces ---- */

/* A child in a network namespace of its own, or in a user namespace too. */
PORTRES_FIXTURE(listing, PORTRES_NETNS);

PORTRES_BOOL_VARIANTS(listing, userns, netns, userns_and_netns);

struct ns_arg {
	struct __test_metadata *_metadata;
	struct hs h;
	bool userns;
	uint64_t token;		/* out */
};

static int ns_child(void *arg)
{
	struct ns_arg *a = arg;
	struct __test_metadata *_metadata = a->_metadata;
	static struct proc_listing own;
	int ctl, fd;

	hs_child_side(&a->h);
	if (a->userns) {
		drop_to_uid(NOBODY_UID);
		xunshare_user_net();
	} else if (unshare(CLONE_NEWNET)) {
		die("unshare: %s", strerror(errno));
	}
	if (proc_read(PROC_RESV, &own))
		die("read %s", PROC_RESV);
	ASSERT_STREQ(PROC_HEADER, own.header);
	ASSERT_EQ(0, own.n) TH_LOG("a new namespace lists '%s'", own.line[0].raw);
	ctl = xctl_open();
	ASSERT_OK(pcreate(ctl, UDP, 31600, 2, a->userns ? 0 : ANY_ID, ANY_ID,
			  &a->token));
	set_comm("nschild");
	fd = xsock(AF_INET, TCP);
	xacquire(fd, 31620, 1, NULL);
	if (proc_read(PROC_RESV, &own))
		die("read %s", PROC_RESV);
	ASSERT_EQ(2, own.n);
	/* Root of its user namespace: its ids are 0, it sees the token. */
	expect_line(_metadata, &own, "udp", 31600,
		    "udp 31600 31601 2 persistent 0 0 - %s - %s -",
		    a->userns ? "0" : "-", tok_hex(a->token));
	ASSERT_TRUE(proc_find(&own, "tcp", 31620) != NULL)
		TH_LOG("own runtime line missing");
	hs_post(a->h.to_parent[1]);
	hs_wait(a->h.to_child[0]);
	close(fd);
	close(ctl);
	return 0;
}

TEST_F(listing, is_per_namespace)
{
	struct ns_arg *a = shared_page();
	char path[64];
	int ctl, ru;
	pid_t pid;

	ctl = xctl_open();
	ASSERT_OK(pcreate(ctl, TCP, 31600, 2, ANY_ID, ANY_ID, NULL));
	ru = xsock(AF_INET, UDP);
	xacquire(ru, 31610, 1, NULL);

	a->_metadata = _metadata;
	a->userns = variant->userns;
	hs_init(&a->h);
	pid = child_start(ns_child, a);
	hs_parent_side(&a->h);
	/* A child that failed its checks exits: the wait sees it gone. */
	hs_wait(a->h.to_parent[0]);

	xread_listing(PROC_RESV);
	ASSERT_TRUE(proc_find(&listing, "tcp", 31600) &&
		    proc_find(&listing, "udp", 31610)) TH_LOG("own lines missing");
	ASSERT_FALSE(proc_find(&listing, "udp", 31600) ||
		     proc_find(&listing, "tcp", 31620))
		TH_LOG("the child namespace's lines show here");

	/*
	 * Seen through the child's /proc/PID/net from here: its lines
	 * only, ids in this (the initial) user namespace, and the
	 * token, as CAP_NET_ADMIN here covers the child's namespace.
	 */
	snprintf(path, sizeof(path), "/proc/%d/net/port_reservations", pid);
	xread_listing(path);
	ASSERT_EQ(2, listing.n) TH_LOG("in %s", path);
	expect_line(_metadata, &listing, "udp", 31600,
		    "udp 31600 31601 2 persistent 0 %u - %s - %s -",
		    a->userns ? NOBODY_UID : 0, a->userns ? "65534" : "-",
		    tok_hex(a->token));
	ASSERT_TRUE(proc_find(&listing, "tcp", 31620) != NULL)
		TH_LOG("runtime line missing");

	hs_post(a->h.to_child[1]);
	close(a->h.to_child[1]);
	close(a->h.to_parent[0]);
	ASSERT_OK(child_wait(pid));
	close(ru);
	close(ctl);
}

TEST_HARNESS_MAIN
