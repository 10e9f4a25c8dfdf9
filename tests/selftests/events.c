// SPDX-License-Identifier: GPL-2.0
/*
 * What portres tells the world: the refused-bind counter (/proc and the
 * netlink dump), the generic netlink family "portres" (the dump checked
 * attribute by attribute against uapi/netlink/portres.yaml and /proc; one
 * NEW and one DEL notification per reservation for release, close,
 * delete and unload, never a token, only in the reservation's namespace),
 * and the tracepoints of events/portres/ read back from tracefs.
 *
 * The last test unloads the module (DEL notifications with reason unload
 * arrive before the family goes) and loads it again from $PORTRES_KO, as
 * unload does: run it just before unload.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "portres_test.h"
#include "genl_util.h"
#include "persist_util.h"

#define TRACEFS		"/sys/kernel/tracing"
#define MAX_RESV	64
#define EVENT_MS	3000	/* an event that does not come in 3 s never will */
#define QUIET_MS	300	/* and nothing more after it */

static struct nl_family fam;

/*
 * The checks that run in the test and in its children too (a child cannot
 * ASSERT): they return NULL, or what differs, for the test to assert on or
 * the child to print.
 */
static char why[512];
#define WHY(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		snprintf(why, sizeof(why), "%s: " fmt, #cond,		\
			 ##__VA_ARGS__);				\
		return why;						\
	}								\
} while (0)
#define ASSERT_NO_WHY(expr) do {					\
	const char *__why = (expr);					\
	ASSERT_TRUE(__why == NULL) TH_LOG("%s: %s", #expr, __why);	\
} while (0)

static void xresolve(int fd)
{
	int err = nl_resolve(fd, &fam);

	if (err)
		die("portres family: %s", strerror(-err));
}

/* A socket subscribed to "notify". */
static int xlistener_nl(void)
{
	int fd = xnl_socket();
	int err;

	xresolve(fd);
	err = nl_subscribe(fd, fam.notify_grp);
	if (err)
		die("subscribe: %s", strerror(-err));
	return fd;
}

static const struct nl_resv *find(const struct nl_resv *v, int n, int proto,
				  uint16_t first)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i].protocol == proto && v[i].first == first)
			return &v[i];
	return NULL;
}

static unsigned int netns_inode(void)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		die("stat /proc/self/ns/net: %s", strerror(errno));
	return st.st_ino;
}

PORTRES_FIXTURE(events, PORTRES_NETNS);

/* ---- the family ---- */

TEST_F(events, family_is_registered)
{
	int fd = xnl_socket();

	ASSERT_OK(nl_resolve(fd, &fam));
	ASSERT_EQ(PORTRES_GENL_VERSION, fam.version);
	ASSERT_NE(0, fam.notify_grp)
		TH_LOG("no multicast group " PORTRES_GENL_MCGRP_NOTIFY);
	close(fd);
}

/* ---- the dump ---- */

/* Every field of a dumped reservation against its /proc line. */
static const char *proc_mismatch(const struct nl_resv *r,
				 const struct proc_line *pl, bool tokens)
{
	char buf[64];

	WHY(NL_HAS(r, PORTRES_A_PROTOCOL) && NL_HAS(r, PORTRES_A_FIRST) &&
	    NL_HAS(r, PORTRES_A_LAST) && NL_HAS(r, PORTRES_A_COUNT) &&
	    NL_HAS(r, PORTRES_A_KIND) && NL_HAS(r, PORTRES_A_IN_USE) &&
	    NL_HAS(r, PORTRES_A_UID) && NL_HAS(r, PORTRES_A_REFUSED),
	    "a mandatory attribute is missing (has %#x)", r->has);
	WHY(!NL_HAS(r, PORTRES_A_REASON), "a dump with a reason");
	WHY(!strcmp(pl->f[PL_PROTO], r->protocol == IPPROTO_TCP ? "tcp" : "udp"),
	    "protocol %u vs %s", r->protocol, pl->f[PL_PROTO]);
	WHY(r->first == atoi(pl->f[PL_FIRST]) && r->last == atoi(pl->f[PL_LAST]) &&
	    r->count == (uint32_t)atoi(pl->f[PL_COUNT]), "block");
	WHY(!strcmp(pl->f[PL_KIND], r->kind == PORTRES_KIND_RUNTIME ? "runtime" :
		    r->kind == PORTRES_KIND_PERSISTENT ? "persistent" : "?"),
	    "kind %u vs %s", r->kind, pl->f[PL_KIND]);
	WHY(r->in_use == (uint32_t)atoi(pl->f[PL_IN_USE]), "in_use %u vs %s",
	    r->in_use, pl->f[PL_IN_USE]);
	WHY(r->uid == strtoul(pl->f[PL_UID], NULL, 10), "uid");
	WHY(r->refused == strtoull(pl->f[PL_REFUSED], NULL, 10),
	    "refused %llu vs %s", (unsigned long long)r->refused,
	    pl->f[PL_REFUSED]);
	if (r->kind == PORTRES_KIND_RUNTIME) {
		WHY(NL_HAS(r, PORTRES_A_PID) && NL_HAS(r, PORTRES_A_COMM),
		    "runtime without pid or comm");
		WHY(r->pid == (uint32_t)atoi(pl->f[PL_PID]), "pid");
		WHY(!strcmp(r->comm, pl->f[PL_COMM]), "comm '%s' vs '%s'",
		    r->comm, pl->f[PL_COMM]);
		WHY(!NL_HAS(r, PORTRES_A_ALLOWED_UID) &&
		    !NL_HAS(r, PORTRES_A_ALLOWED_GID), "runtime with allowed ids");
	} else {
		WHY(!NL_HAS(r, PORTRES_A_PID) && !NL_HAS(r, PORTRES_A_COMM),
		    "persistent with pid or comm");
		snprintf(buf, sizeof(buf), "%u", r->allowed_uid);
		WHY(!strcmp(pl->f[PL_ALLOW_UID], NL_HAS(r, PORTRES_A_ALLOWED_UID) ?
			    buf : "-"), "allowed uid");
		snprintf(buf, sizeof(buf), "%u", r->allowed_gid);
		WHY(!strcmp(pl->f[PL_ALLOW_GID], NL_HAS(r, PORTRES_A_ALLOWED_GID) ?
			    buf : "-"), "allowed gid");
	}
	WHY(NL_HAS(r, PORTRES_A_TOKEN) == tokens, "token %s",
	    tokens ? "missing" : "shown");
	if (tokens)
		WHY(!strcmp(pl->f[PL_TOKEN], tok_hex(r->token)), "token");
	return NULL;
}

struct dump_setup {
	int t, a, o, ctl;
	uint64_t rt_token, p_token;
};

/* tcp 29100-29103 runtime (one port bound), udp 29110-29111 persistent. */
static void dump_setup(struct dump_setup *s)
{
	s->t = xsock(AF_INET, IPPROTO_TCP);
	s->rt_token = xacquire(s->t, 29100, 4, NULL);
	s->a = xsock(AF_INET6, IPPROTO_TCP);
	xassociate(s->a, s->rt_token);
	if (bind_port(s->a, 0))
		die("bind of the associated socket failed");
	s->ctl = xctl_open();
	if (pcreate(s->ctl, IPPROTO_UDP, 29110, 2, 1000, ANY_ID, &s->p_token))
		die("persistent create failed");
	s->o = xsock(AF_INET, IPPROTO_TCP);
	if (bind_port(s->o, 29102) != -EACCES)
		die("outsider bind not refused");
}

TEST_F(events, dump_has_every_field_of_proc)
{
	struct nl_resv v[MAX_RESV];
	const struct nl_resv *rt, *pe;
	struct proc_listing l;
	struct dump_setup s;
	int fd = xnl_socket(), n;

	xresolve(fd);
	dump_setup(&s);
	n = nl_dump(fd, &fam, v, MAX_RESV);
	/* The test's own namespace holds these two and nothing else. */
	ASSERT_EQ(2, n) TH_LOG("dump: %d", n);
	ASSERT_OK(proc_read("/proc/net/port_reservations", &l));
	rt = find(v, n, IPPROTO_TCP, 29100);
	pe = find(v, n, IPPROTO_UDP, 29110);
	ASSERT_TRUE(rt && pe) TH_LOG("a reservation is missing from the dump");
	ASSERT_TRUE(rt->in_use == 1 && rt->refused == 1 &&
		    rt->pid == (uint32_t)getpid() && rt->token == s.rt_token &&
		    rt->kind == PORTRES_KIND_RUNTIME)
		TH_LOG("runtime entry: in_use %u refused %llu pid %u",
		       rt->in_use, (unsigned long long)rt->refused, rt->pid);
	ASSERT_TRUE(pe->allowed_uid == 1000 && !NL_HAS(pe, PORTRES_A_ALLOWED_GID) &&
		    pe->token == s.p_token && pe->count == 2)
		TH_LOG("persistent entry");
	ASSERT_EQ(n, l.n) TH_LOG("dump has %d entries, /proc %d", n, l.n);
	for (int i = 0; i < n; i++) {
		const struct proc_line *pl = proc_find(&l, v[i].protocol == IPPROTO_TCP ?
						       "tcp" : "udp", v[i].first);

		ASSERT_NE(NULL, pl) TH_LOG("no /proc line for %u", v[i].first);
		ASSERT_NO_WHY(proc_mismatch(&v[i], pl, true));
	}
	close(fd);
}

/* Without CAP_NET_ADMIN the dump has no tokens, as /proc has none. */
static int nobody_dump(void *arg)
{
	struct nl_resv v[MAX_RESV];
	struct proc_listing l;
	const char *w;
	int fd, n, i;

	(void)arg;
	drop_to_uid(NOBODY_UID);
	fd = xnl_socket();
	n = nl_dump(fd, &fam, v, MAX_RESV);
	if (n < 2 || proc_read("/proc/net/port_reservations", &l))
		return -EIO;
	for (i = 0; i < n; i++) {
		const struct proc_line *pl = proc_find(&l, v[i].protocol == IPPROTO_TCP ?
						       "tcp" : "udp", v[i].first);

		if (!pl)
			return -EPROTO;
		w = proc_mismatch(&v[i], pl, false);
		if (w) {
			diag("nobody's dump: %s", w);
			return -EPROTO;
		}
	}
	return 0;
}

TEST_F(events, dump_has_no_tokens_for_others)
{
	struct dump_setup s;
	int fd = xnl_socket();

	xresolve(fd);
	dump_setup(&s);
	root_traversable();
	ASSERT_OK(child_run(nobody_dump, NULL));
	close(fd);
}

/* ---- the refused counter ---- */

TEST_F(events, counter_counts_outsider_binds)
{
	struct nl_resv v[MAX_RESV];
	const struct nl_resv *r;
	struct proc_listing l;
	const struct proc_line *pl;
	int t = xsock(AF_INET, IPPROTO_TCP), u = xsock(AF_INET, IPPROTO_UDP);
	int fd = xnl_socket(), i, n, s;
	uint64_t tok;

	xresolve(fd);
	xacquire(t, 29120, 5, NULL);
	tok = xacquire(u, 29130, 2, NULL);
	/* 7 refused TCP binds, v4 and v6, several ports of the block. */
	for (i = 0; i < 7; i++) {
		s = xsock(i % 2 ? AF_INET6 : AF_INET, IPPROTO_TCP);
		ASSERT_ERRNO(bind_port(s, 29120 + i % 5), -EACCES);
		close(s);
	}
	/* Not refusals: outside the block, an associated bind, UDP's own. */
	s = xsock(AF_INET, IPPROTO_TCP);
	ASSERT_OK(bind_port(s, 29125));
	close(s);
	s = xsock(AF_INET, IPPROTO_UDP);
	xassociate(s, tok);
	ASSERT_OK(bind_port(s, 29130));
	close(s);
	for (i = 0; i < 3; i++) {
		s = xsock(AF_INET6, IPPROTO_UDP);
		ASSERT_ERRNO(bind_port(s, 29131), -EACCES);
		close(s);
	}
	ASSERT_OK(proc_read("/proc/net/port_reservations", &l));
	pl = proc_find(&l, "tcp", 29120);
	ASSERT_TRUE(pl && !strcmp(pl->f[PL_REFUSED], "7"))
		TH_LOG("tcp refused %s", pl ? pl->f[PL_REFUSED] : "(no line)");
	pl = proc_find(&l, "udp", 29130);
	ASSERT_TRUE(pl && !strcmp(pl->f[PL_REFUSED], "3"))
		TH_LOG("udp refused %s", pl ? pl->f[PL_REFUSED] : "(no line)");
	n = nl_dump(fd, &fam, v, MAX_RESV);
	ASSERT_EQ(2, n) TH_LOG("dump: %d", n);
	r = find(v, n, IPPROTO_TCP, 29120);
	ASSERT_TRUE(r && r->refused == 7)
		TH_LOG("dump: tcp refused %llu",
		       r ? (unsigned long long)r->refused : 0ULL);
	r = find(v, n, IPPROTO_UDP, 29130);
	ASSERT_TRUE(r && r->refused == 3)
		TH_LOG("dump: udp refused %llu",
		       r ? (unsigned long long)r->refused : 0ULL);
	close(fd);
}

/* ---- notifications ---- */

/* The next notification is cmd for this block, never with a token. */
static const char *event_mismatch(int fd, int cmd, int reason, int proto,
				  uint16_t first, uint16_t n, int kind,
				  struct nl_resv *out)
{
	struct nl_resv ev;
	int ret = nl_next_event(fd, &fam, &ev, EVENT_MS);

	WHY(ret == 1, "no %s notification for %u (%d)",
	    cmd == PORTRES_CMD_NEW ? "NEW" : "DEL", first, ret);
	WHY(ev.cmd == cmd, "command %d, expected %d (block %u)", ev.cmd, cmd,
	    ev.first);
	WHY(ev.protocol == proto && ev.first == first &&
	    ev.last == first + n - 1 && ev.count == n && ev.kind == kind,
	    "event for %u %u-%u kind %u", ev.protocol, ev.first, ev.last,
	    ev.kind);
	WHY(!NL_HAS(&ev, PORTRES_A_TOKEN), "a token in a notification");
	WHY(!NL_HAS(&ev, PORTRES_A_IN_USE), "in_use in a notification");
	WHY(NL_HAS(&ev, PORTRES_A_UID) && NL_HAS(&ev, PORTRES_A_REFUSED),
	    "uid or refused missing");
	if (cmd == PORTRES_CMD_DEL)
		WHY(NL_HAS(&ev, PORTRES_A_REASON) && ev.reason == reason,
		    "reason %u, expected %d", ev.reason, reason);
	else
		WHY(!NL_HAS(&ev, PORTRES_A_REASON), "NEW with a reason");
	if (kind == PORTRES_KIND_RUNTIME)
		WHY(NL_HAS(&ev, PORTRES_A_PID) && ev.pid == (uint32_t)getpid() &&
		    !strcmp(ev.comm, "events"), "owner pid %u comm '%s'",
		    ev.pid, ev.comm);
	if (out)
		*out = ev;
	return NULL;
}

static const char *quiet_mismatch(int fd)
{
	struct nl_resv ev;
	int ret = nl_next_event(fd, &fam, &ev, QUIET_MS);

	WHY(ret == 0, "unexpected notification (%d): cmd %d block %u", ret,
	    ev.cmd, ev.first);
	return NULL;
}

TEST_F(events, notify_release)
{
	int fd = xlistener_nl(), t = xsock(AF_INET, IPPROTO_TCP);
	uint64_t tok = xacquire(t, 29140, 3, NULL);

	ASSERT_NO_WHY(event_mismatch(fd, PORTRES_CMD_NEW, 0, IPPROTO_TCP, 29140,
				     3, PORTRES_KIND_RUNTIME, NULL));
	xrelease(t, tok);
	ASSERT_NO_WHY(event_mismatch(fd, PORTRES_CMD_DEL, PORTRES_REASON_RELEASE,
				     IPPROTO_TCP, 29140, 3, PORTRES_KIND_RUNTIME,
				     NULL));
	close(t);
	ASSERT_NO_WHY(quiet_mismatch(fd));
	close(fd);
}

TEST_F(events, notify_close)
{
	int fd = xlistener_nl(), u = xsock(AF_INET6, IPPROTO_UDP), o;
	struct nl_resv ev;

	xacquire(u, 29150, 2, NULL);
	xacquire(u, 29160, 1, NULL);
	ASSERT_NO_WHY(event_mismatch(fd, PORTRES_CMD_NEW, 0, IPPROTO_UDP, 29150,
				     2, PORTRES_KIND_RUNTIME, NULL));
	ASSERT_NO_WHY(event_mismatch(fd, PORTRES_CMD_NEW, 0, IPPROTO_UDP, 29160,
				     1, PORTRES_KIND_RUNTIME, NULL));
	o = xsock(AF_INET, IPPROTO_UDP);
	ASSERT_ERRNO(bind_port(o, 29160), -EACCES);
	close(o);
	close(u);
	/* Both end, in either order; the refusal is in the last count. */
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(1, nl_next_event(fd, &fam, &ev, EVENT_MS))
			TH_LOG("no DEL");
		ASSERT_TRUE(ev.cmd == PORTRES_CMD_DEL &&
			    ev.reason == PORTRES_REASON_CLOSE)
			TH_LOG("cmd %d reason %u", ev.cmd, ev.reason);
		ASSERT_TRUE(ev.first == 29150 || ev.first == 29160)
			TH_LOG("DEL of %u", ev.first);
		ASSERT_EQ(ev.first == 29160, ev.refused)
			TH_LOG("refused %llu", (unsigned long long)ev.refused);
	}
	ASSERT_NO_WHY(quiet_mismatch(fd));
	close(fd);
}

TEST_F(events, notify_delete)
{
	int fd = xlistener_nl(), ctl = xctl_open();
	struct nl_resv ev;
	uint64_t tok;

	ASSERT_OK(pcreate(ctl, IPPROTO_TCP, 29170, 4, ANY_ID, 100, &tok));
	ASSERT_NO_WHY(event_mismatch(fd, PORTRES_CMD_NEW, 0, IPPROTO_TCP, 29170,
				     4, PORTRES_KIND_PERSISTENT, &ev));
	ASSERT_TRUE(!NL_HAS(&ev, PORTRES_A_ALLOWED_UID) && ev.allowed_gid == 100 &&
		    !NL_HAS(&ev, PORTRES_A_PID) && !NL_HAS(&ev, PORTRES_A_COMM))
		TH_LOG("persistent NEW: has %#x gid %u", ev.has, ev.allowed_gid);
	ASSERT_OK(pdelete(ctl, IPPROTO_TCP, 29170, 4));
	ASSERT_NO_WHY(event_mismatch(fd, PORTRES_CMD_DEL, PORTRES_REASON_DELETE,
				     IPPROTO_TCP, 29170, 4,
				     PORTRES_KIND_PERSISTENT, &ev));
	ASSERT_EQ(100, ev.allowed_gid) TH_LOG("persistent DEL");
	/* A failed create and a failed delete say nothing. */
	ASSERT_OK(pcreate(ctl, IPPROTO_UDP, 29175, 1, ANY_ID, ANY_ID, &tok));
	ASSERT_NO_WHY(event_mismatch(fd, PORTRES_CMD_NEW, 0, IPPROTO_UDP, 29175,
				     1, PORTRES_KIND_PERSISTENT, NULL));
	ASSERT_ERRNO(pcreate(ctl, IPPROTO_UDP, 29175, 1, ANY_ID, ANY_ID, &tok),
		     -EADDRINUSE);
	ASSERT_ERRNO(pdelete(ctl, IPPROTO_UDP, 29175, 2), -ENOENT);
	ASSERT_NO_WHY(quiet_mismatch(fd));
	ASSERT_OK(pdelete(ctl, IPPROTO_UDP, 29175, 1));
	ASSERT_NO_WHY(event_mismatch(fd, PORTRES_CMD_DEL, PORTRES_REASON_DELETE,
				     IPPROTO_UDP, 29175, 1,
				     PORTRES_KIND_PERSISTENT, NULL));
	close(ctl);
	close(fd);
}

/*
 * Notifications go to the reservation's namespace only: a listener in
 * another new namespace hears its own reservation, the test's namespace
 * does not; a dump there shows only that namespace's.
 */
static int in_netns(void *arg)
{
	struct nl_resv v[MAX_RESV];
	const char *w;
	int fd, t, n;

	(void)arg;
	if (unshare(CLONE_NEWNET))
		return -errno;
	fd = xlistener_nl();
	t = xsock(AF_INET, IPPROTO_TCP);
	xacquire(t, 29180, 1, NULL);
	w = event_mismatch(fd, PORTRES_CMD_NEW, 0, IPPROTO_TCP, 29180, 1,
			   PORTRES_KIND_RUNTIME, NULL);
	if (w) {
		diag("in the new namespace: %s", w);
		return -EPROTO;
	}
	n = nl_dump(fd, &fam, v, MAX_RESV);
	if (n != 1 || v[0].first != 29180)
		return -EXDEV;
	close(t);
	w = event_mismatch(fd, PORTRES_CMD_DEL, PORTRES_REASON_CLOSE,
			   IPPROTO_TCP, 29180, 1, PORTRES_KIND_RUNTIME, NULL);
	if (w) {
		diag("in the new namespace: %s", w);
		return -EPROTO;
	}
	return 0;
}

TEST_F(events, notify_stays_in_its_netns)
{
	int fd = xlistener_nl();

	ASSERT_OK(child_run(in_netns, NULL));
	ASSERT_NO_WHY(quiet_mismatch(fd));
	close(fd);
}

/* ---- tracepoints ---- */

static char trace_buf[1 << 20];

static void trace_write(const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	if (file_write(path, val))
		die("cannot write '%s' to %s", val, path);
}

static const char *trace_read(void)
{
	int fd = open(TRACEFS "/trace", O_RDONLY);
	ssize_t n, total = 0;

	if (fd < 0)
		die("open " TRACEFS "/trace: %s", strerror(errno));
	while ((n = read(fd, trace_buf + total, sizeof(trace_buf) - 1 - total)) > 0)
		total += n;
	close(fd);
	trace_buf[total] = '\0';
	return trace_buf;
}

/* One line of the trace with this event and these fields. */
#define ASSERT_TRACED(event, fields) do {				\
	char __want[512];						\
	snprintf(__want, sizeof(__want), "%s: %s", event, fields);	\
	ASSERT_NE(NULL, strstr(trace_read(), __want))			\
		TH_LOG("not traced: '%s'", __want);			\
} while (0)

/*
 * A persistent reservation in a namespace of its own: it outlives the
 * process, and the namespace's end ends it. (A runtime one would end
 * with its socket, when the process exits, before the namespace goes.)
 */
static int netns_child(void *arg)
{
	unsigned int *inum = arg;
	uint64_t tok;
	int ctl;

	if (unshare(CLONE_NEWNET))
		return -errno;
	*inum = netns_inode();
	ctl = xctl_open();
	return pcreate(ctl, IPPROTO_UDP, 29190, 2, ANY_ID, ANY_ID, &tok);
}

/* The portres events are global: the teardown turns them off, whatever happened. */
FIXTURE(tracepoints) {};

FIXTURE_SETUP(tracepoints)
{
	portres_setup(_metadata, PORTRES_NETNS);
}

FIXTURE_TEARDOWN_PARENT(tracepoints)
{
	file_write(TRACEFS "/events/portres/enable", "0");
	portres_teardown(_metadata);
}

TEST_F(tracepoints, tell_who_and_why)
{
	int t = xsock(AF_INET, IPPROTO_TCP), a, o, ctl = xctl_open();
	unsigned int ns = netns_inode(), *child_ns = shared_page();
	int pid = getpid();
	char f[256];
	uint64_t tok;

	ASSERT_EQ(0, access(TRACEFS "/events/portres/portres_bind_refused", F_OK))
		TH_LOG("no " TRACEFS "/events/portres/portres_bind_refused");
	trace_write("events/portres/enable", "1");
	trace_write("trace", "");

	tok = xacquire(t, 29200, 2, NULL);
	a = xsock(AF_INET, IPPROTO_TCP);
	xassociate(a, tok);
	o = xsock(AF_INET6, IPPROTO_TCP);
	ASSERT_ERRNO(bind_port(o, 29201), -EACCES);
	xrelease(t, tok);
	xacquire(t, 29210, 1, NULL);
	close(t);
	ASSERT_OK(pcreate(ctl, IPPROTO_UDP, 29220, 3, ANY_ID, ANY_ID, &tok));
	ASSERT_OK(pdelete(ctl, IPPROTO_UDP, 29220, 3));
	ASSERT_OK(child_run(netns_child, child_ns));

	snprintf(f, sizeof(f), "netns=%u pid=%d comm=events protocol=tcp ports=29200-29201 kind=runtime uid=0", ns, pid);
	ASSERT_TRACED("portres_acquire", f);
	ASSERT_TRACED("portres_associate", f);
	snprintf(f, sizeof(f), "netns=%u pid=%d comm=events protocol=tcp port=29201 errno=13 ports=29200-29201 kind=runtime", ns, pid);
	ASSERT_TRACED("portres_bind_refused", f);
	snprintf(f, sizeof(f), "netns=%u pid=%d comm=events protocol=tcp ports=29200-29201 kind=runtime reason=release refused=1", ns, pid);
	ASSERT_TRACED("portres_release", f);
	snprintf(f, sizeof(f), "netns=%u pid=%d comm=events protocol=tcp ports=29210-29210 kind=runtime reason=close refused=0", ns, pid);
	ASSERT_TRACED("portres_release", f);
	snprintf(f, sizeof(f), "netns=%u pid=%d comm=events protocol=udp ports=29220-29222 kind=persistent uid=0", ns, pid);
	ASSERT_TRACED("portres_acquire", f);
	snprintf(f, sizeof(f), "netns=%u pid=%d comm=events protocol=udp ports=29220-29222 kind=persistent reason=delete refused=0", ns, pid);
	ASSERT_TRACED("portres_release", f);
	/* The namespace goes in a kernel worker, some time after its last user. */
	snprintf(f, sizeof(f), "portres_release: netns=%u ", *child_ns);
	for (int i = 0; i < 100; i++) {
		char *save = NULL, *line;

		for (line = strtok_r((char *)trace_read(), "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (!strstr(line, f))
				continue;
			ASSERT_NE(NULL, strstr(line, "protocol=udp ports=29190-29191 kind=persistent reason=netns refused=0"))
				TH_LOG("namespace exit traced as '%s'", line);
			close(a);
			close(o);
			close(ctl);
			return;
		}
		usleep(100 * 1000);
	}
	ASSERT_TRUE(0) TH_LOG("no portres_release with reason=netns for namespace %u",
			      *child_ns);
}

/* ---- unload ---- */

/*
 * init_net: unloading the module is global. The teardown loads it back if
 * the test failed without doing so, for the tests that come after.
 */
FIXTURE(unload) {};

FIXTURE_SETUP(unload)
{
	portres_setup(_metadata, PORTRES_INIT_NET);
}

FIXTURE_TEARDOWN_PARENT(unload)
{
	if (!module_loaded() && load_module(module_params_saved()))
		TH_LOG("cannot load the module again");
	portres_teardown(_metadata);
}

/*
 * rmmod with reservations: a DEL with reason unload for each arrives
 * before the family is gone (the listener reads them afterwards), and no
 * other. Then the module comes back.
 */
TEST_F(unload, announces_every_end)
{
	int fd = xlistener_nl(), ctl = xctl_open(), t, u, chk;
	bool seen[3] = { false };
	struct nl_resv ev;
	uint64_t tok;
	int ret, i;

	t = xsock(AF_INET, IPPROTO_TCP);
	u = xsock(AF_INET, IPPROTO_UDP);
	xacquire(t, 29250, 2, NULL);
	xacquire(u, 29260, 1, NULL);
	ASSERT_OK(pcreate(ctl, IPPROTO_TCP, 29270, 5, ANY_ID, ANY_ID, &tok));
	close(ctl);
	for (i = 0; i < 3; i++)
		ASSERT_TRUE(nl_next_event(fd, &fam, &ev, EVENT_MS) == 1 &&
			    ev.cmd == PORTRES_CMD_NEW) TH_LOG("NEW %d missing", i);
	ASSERT_OK(unload_module());
	for (i = 0; i < 3; i++) {
		ret = nl_next_event(fd, &fam, &ev, EVENT_MS);
		ASSERT_EQ(1, ret)
			TH_LOG("DEL %d of 3 missing after unload (%d)", i, ret);
		ASSERT_TRUE(ev.cmd == PORTRES_CMD_DEL &&
			    ev.reason == PORTRES_REASON_UNLOAD)
			TH_LOG("cmd %d reason %u", ev.cmd, ev.reason);
		ASSERT_FALSE(NL_HAS(&ev, PORTRES_A_TOKEN))
			TH_LOG("a token in a notification");
		ASSERT_TRUE(ev.first == 29250 || ev.first == 29260 ||
			    ev.first == 29270) TH_LOG("DEL of %u", ev.first);
		chk = ev.first == 29250 ? 0 : ev.first == 29260 ? 1 : 2;
		ASSERT_FALSE(seen[chk]) TH_LOG("two DELs for %u", ev.first);
		seen[chk] = true;
	}
	ASSERT_NO_WHY(quiet_mismatch(fd));
	close(t);
	close(u);
	ASSERT_ERRNO(nl_resolve(fd, &fam), -ENOENT);
	ASSERT_OK(load_module(module_params_saved()));
	ASSERT_OK(nl_resolve(fd, &fam));
	close(fd);
}

TEST_HARNESS_MAIN
