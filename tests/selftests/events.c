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
 *
 * Ports used: 29100-29299.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "genl_util.h"
#include "persist_util.h"
#include "portres_util.h"

#define TRACEFS		"/sys/kernel/tracing"
#define MAX_RESV	64
#define EVENT_MS	3000	/* an event that does not come in 3 s never will */
#define QUIET_MS	300	/* and nothing more after it */

static struct nl_family fam;

static int xresolve(int fd)
{
	int err = nl_resolve(fd, &fam);

	if (err)
		die("portres family: %s", strerror(-err));
	return 0;
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

/* ---- the family ---- */

static int family_is_registered(void)
{
	int fd = xnl_socket();

	CHECK_OK(nl_resolve(fd, &fam));
	CHECK(fam.version == PORTRES_GENL_VERSION, "version %u", fam.version);
	CHECK(fam.notify_grp, "no multicast group " PORTRES_GENL_MCGRP_NOTIFY);
	close(fd);
	return 0;
}

/* ---- the dump ---- */

/* Every field of a dumped reservation against its /proc line. */
static int same_as_proc(const struct nl_resv *r, const struct proc_line *pl,
			bool tokens)
{
	char buf[64];

	CHECK(NL_HAS(r, PORTRES_A_PROTOCOL) && NL_HAS(r, PORTRES_A_FIRST) &&
	      NL_HAS(r, PORTRES_A_LAST) && NL_HAS(r, PORTRES_A_COUNT) &&
	      NL_HAS(r, PORTRES_A_KIND) && NL_HAS(r, PORTRES_A_IN_USE) &&
	      NL_HAS(r, PORTRES_A_UID) && NL_HAS(r, PORTRES_A_REFUSED),
	      "a mandatory attribute is missing (has %#x)", r->has);
	CHECK(!NL_HAS(r, PORTRES_A_REASON), "a dump with a reason");
	CHECK(!strcmp(pl->f[PL_PROTO], r->protocol == IPPROTO_TCP ? "tcp" : "udp"),
	      "protocol %u vs %s", r->protocol, pl->f[PL_PROTO]);
	CHECK(r->first == atoi(pl->f[PL_FIRST]) && r->last == atoi(pl->f[PL_LAST]) &&
	      r->count == (uint32_t)atoi(pl->f[PL_COUNT]), "block");
	CHECK(!strcmp(pl->f[PL_KIND], r->kind == PORTRES_KIND_RUNTIME ? "runtime" :
		      r->kind == PORTRES_KIND_PERSISTENT ? "persistent" : "?"),
	      "kind %u vs %s", r->kind, pl->f[PL_KIND]);
	CHECK(r->in_use == (uint32_t)atoi(pl->f[PL_IN_USE]), "in_use %u vs %s",
	      r->in_use, pl->f[PL_IN_USE]);
	CHECK(r->uid == strtoul(pl->f[PL_UID], NULL, 10), "uid");
	CHECK(r->refused == strtoull(pl->f[PL_REFUSED], NULL, 10),
	      "refused %llu vs %s", (unsigned long long)r->refused,
	      pl->f[PL_REFUSED]);
	if (r->kind == PORTRES_KIND_RUNTIME) {
		CHECK(NL_HAS(r, PORTRES_A_PID) && NL_HAS(r, PORTRES_A_COMM),
		      "runtime without pid or comm");
		CHECK(r->pid == (uint32_t)atoi(pl->f[PL_PID]), "pid");
		CHECK(!strcmp(r->comm, pl->f[PL_COMM]), "comm '%s' vs '%s'",
		      r->comm, pl->f[PL_COMM]);
		CHECK(!NL_HAS(r, PORTRES_A_ALLOWED_UID) &&
		      !NL_HAS(r, PORTRES_A_ALLOWED_GID), "runtime with allowed ids");
	} else {
		CHECK(!NL_HAS(r, PORTRES_A_PID) && !NL_HAS(r, PORTRES_A_COMM),
		      "persistent with pid or comm");
		snprintf(buf, sizeof(buf), "%u", r->allowed_uid);
		CHECK(!strcmp(pl->f[PL_ALLOW_UID], NL_HAS(r, PORTRES_A_ALLOWED_UID) ?
			      buf : "-"), "allowed uid");
		snprintf(buf, sizeof(buf), "%u", r->allowed_gid);
		CHECK(!strcmp(pl->f[PL_ALLOW_GID], NL_HAS(r, PORTRES_A_ALLOWED_GID) ?
			      buf : "-"), "allowed gid");
	}
	CHECK(NL_HAS(r, PORTRES_A_TOKEN) == tokens, "token %s",
	      tokens ? "missing" : "shown");
	if (tokens)
		CHECK(!strcmp(pl->f[PL_TOKEN], tok_hex(r->token)), "token");
	return 0;
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
	persist_cleanup_at_exit(29100, 29299);
	if (pcreate(s->ctl, IPPROTO_UDP, 29110, 2, 1000, ANY_ID, &s->p_token))
		die("persistent create failed");
	s->o = xsock(AF_INET, IPPROTO_TCP);
	if (bind_port(s->o, 29102) != -EACCES)
		die("outsider bind not refused");
}

static int dump_has_every_field_of_proc(void)
{
	struct nl_resv v[MAX_RESV];
	const struct nl_resv *rt, *pe;
	struct proc_listing l;
	struct dump_setup s;
	int fd = xnl_socket(), n;

	xresolve(fd);
	dump_setup(&s);
	n = nl_dump(fd, &fam, v, MAX_RESV);
	CHECK(n >= 2, "dump: %d", n);
	CHECK_OK(proc_read("/proc/net/port_reservations", &l));
	rt = find(v, n, IPPROTO_TCP, 29100);
	pe = find(v, n, IPPROTO_UDP, 29110);
	CHECK(rt && pe, "a reservation is missing from the dump");
	CHECK(rt->in_use == 1 && rt->refused == 1 && rt->pid == (uint32_t)getpid() &&
	      rt->token == s.rt_token && rt->kind == PORTRES_KIND_RUNTIME,
	      "runtime entry: in_use %u refused %llu pid %u", rt->in_use,
	      (unsigned long long)rt->refused, rt->pid);
	CHECK(pe->allowed_uid == 1000 && !NL_HAS(pe, PORTRES_A_ALLOWED_GID) &&
	      pe->token == s.p_token && pe->count == 2, "persistent entry");
	CHECK(n == l.n, "dump has %d entries, /proc %d", n, l.n);
	for (int i = 0; i < n; i++) {
		const struct proc_line *pl = proc_find(&l, v[i].protocol == IPPROTO_TCP ?
						       "tcp" : "udp", v[i].first);

		CHECK(pl, "no /proc line for %u", v[i].first);
		CHECK_PASS(same_as_proc(&v[i], pl, true));
	}
	close(fd);
	return 0;
}

/* Without CAP_NET_ADMIN the dump has no tokens, as /proc has none. */
static int nobody_dump(void *arg)
{
	struct nl_resv v[MAX_RESV];
	struct proc_listing l;
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

		if (!pl || same_as_proc(&v[i], pl, false))
			return -EPROTO;
	}
	return 0;
}

static int dump_has_no_tokens_for_others(void)
{
	struct dump_setup s;
	int fd = xnl_socket();

	xresolve(fd);
	dump_setup(&s);
	root_traversable();
	CHECK_OK(child_run(nobody_dump, NULL));
	close(fd);
	return 0;
}

/* ---- the refused counter ---- */

static int counter_counts_outsider_binds(void)
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
		CHECK_ERR(bind_port(s, 29120 + i % 5), -EACCES);
		close(s);
	}
	/* Not refusals: outside the block, an associated bind, UDP's own. */
	s = xsock(AF_INET, IPPROTO_TCP);
	CHECK_OK(bind_port(s, 29125));
	close(s);
	s = xsock(AF_INET, IPPROTO_UDP);
	xassociate(s, tok);
	CHECK_OK(bind_port(s, 29130));
	close(s);
	for (i = 0; i < 3; i++) {
		s = xsock(AF_INET6, IPPROTO_UDP);
		CHECK_ERR(bind_port(s, 29131), -EACCES);
		close(s);
	}
	CHECK_OK(proc_read("/proc/net/port_reservations", &l));
	pl = proc_find(&l, "tcp", 29120);
	CHECK(pl && !strcmp(pl->f[PL_REFUSED], "7"), "tcp refused %s",
	      pl ? pl->f[PL_REFUSED] : "(no line)");
	pl = proc_find(&l, "udp", 29130);
	CHECK(pl && !strcmp(pl->f[PL_REFUSED], "3"), "udp refused %s",
	      pl ? pl->f[PL_REFUSED] : "(no line)");
	n = nl_dump(fd, &fam, v, MAX_RESV);
	CHECK(n >= 2, "dump: %d", n);
	r = find(v, n, IPPROTO_TCP, 29120);
	CHECK(r && r->refused == 7, "dump: tcp refused %llu",
	      r ? (unsigned long long)r->refused : 0ULL);
	r = find(v, n, IPPROTO_UDP, 29130);
	CHECK(r && r->refused == 3, "dump: udp refused %llu",
	      r ? (unsigned long long)r->refused : 0ULL);
	close(fd);
	return 0;
}

/* ---- notifications ---- */

/* The next notification is cmd for this block, never with a token. */
static int expect_event(int fd, int cmd, int reason, int proto,
			uint16_t first, uint16_t n, int kind,
			struct nl_resv *out)
{
	struct nl_resv ev;
	int ret = nl_next_event(fd, &fam, &ev, EVENT_MS);

	CHECK(ret == 1, "no %s notification for %u (%d)",
	      cmd == PORTRES_CMD_NEW ? "NEW" : "DEL", first, ret);
	CHECK(ev.cmd == cmd, "command %d, expected %d (block %u)", ev.cmd, cmd,
	      ev.first);
	CHECK(ev.protocol == proto && ev.first == first &&
	      ev.last == first + n - 1 && ev.count == n && ev.kind == kind,
	      "event for %u %u-%u kind %u", ev.protocol, ev.first, ev.last,
	      ev.kind);
	CHECK(!NL_HAS(&ev, PORTRES_A_TOKEN), "a token in a notification");
	CHECK(!NL_HAS(&ev, PORTRES_A_IN_USE), "in_use in a notification");
	CHECK(NL_HAS(&ev, PORTRES_A_UID) && NL_HAS(&ev, PORTRES_A_REFUSED),
	      "uid or refused missing");
	if (cmd == PORTRES_CMD_DEL)
		CHECK(NL_HAS(&ev, PORTRES_A_REASON) && ev.reason == reason,
		      "reason %u, expected %d", ev.reason, reason);
	else
		CHECK(!NL_HAS(&ev, PORTRES_A_REASON), "NEW with a reason");
	if (kind == PORTRES_KIND_RUNTIME)
		CHECK(NL_HAS(&ev, PORTRES_A_PID) && ev.pid == (uint32_t)getpid() &&
		      !strcmp(ev.comm, "events"), "owner pid %u comm '%s'",
		      ev.pid, ev.comm);
	if (out)
		*out = ev;
	return 0;
}

static int expect_quiet(int fd)
{
	struct nl_resv ev;
	int ret = nl_next_event(fd, &fam, &ev, QUIET_MS);

	CHECK(ret == 0, "unexpected notification (%d): cmd %d block %u", ret,
	      ev.cmd, ev.first);
	return 0;
}

static int notify_release(void)
{
	int fd = xlistener_nl(), t = xsock(AF_INET, IPPROTO_TCP);
	uint64_t tok = xacquire(t, 29140, 3, NULL);

	CHECK_PASS(expect_event(fd, PORTRES_CMD_NEW, 0, IPPROTO_TCP, 29140, 3,
				PORTRES_KIND_RUNTIME, NULL));
	xrelease(t, tok);
	CHECK_PASS(expect_event(fd, PORTRES_CMD_DEL, PORTRES_REASON_RELEASE,
				IPPROTO_TCP, 29140, 3, PORTRES_KIND_RUNTIME, NULL));
	close(t);
	CHECK_PASS(expect_quiet(fd));
	close(fd);
	return 0;
}

static int notify_close(void)
{
	int fd = xlistener_nl(), u = xsock(AF_INET6, IPPROTO_UDP), o;
	struct nl_resv ev;

	xacquire(u, 29150, 2, NULL);
	xacquire(u, 29160, 1, NULL);
	CHECK_PASS(expect_event(fd, PORTRES_CMD_NEW, 0, IPPROTO_UDP, 29150, 2,
				PORTRES_KIND_RUNTIME, NULL));
	CHECK_PASS(expect_event(fd, PORTRES_CMD_NEW, 0, IPPROTO_UDP, 29160, 1,
				PORTRES_KIND_RUNTIME, NULL));
	o = xsock(AF_INET, IPPROTO_UDP);
	CHECK_ERR(bind_port(o, 29160), -EACCES);
	close(o);
	close(u);
	/* Both end, in either order; the refusal is in the last count. */
	for (int i = 0; i < 2; i++) {
		CHECK(nl_next_event(fd, &fam, &ev, EVENT_MS) == 1, "no DEL");
		CHECK(ev.cmd == PORTRES_CMD_DEL && ev.reason == PORTRES_REASON_CLOSE,
		      "cmd %d reason %u", ev.cmd, ev.reason);
		CHECK(ev.first == 29150 || ev.first == 29160, "DEL of %u", ev.first);
		CHECK(ev.refused == (ev.first == 29160), "refused %llu",
		      (unsigned long long)ev.refused);
	}
	CHECK_PASS(expect_quiet(fd));
	close(fd);
	return 0;
}

static int notify_delete(void)
{
	int fd = xlistener_nl(), ctl = xctl_open();
	struct nl_resv ev;
	uint64_t tok;

	persist_cleanup_at_exit(29100, 29299);
	CHECK_OK(pcreate(ctl, IPPROTO_TCP, 29170, 4, ANY_ID, 100, &tok));
	CHECK_PASS(expect_event(fd, PORTRES_CMD_NEW, 0, IPPROTO_TCP, 29170, 4,
				PORTRES_KIND_PERSISTENT, &ev));
	CHECK(!NL_HAS(&ev, PORTRES_A_ALLOWED_UID) && ev.allowed_gid == 100 &&
	      !NL_HAS(&ev, PORTRES_A_PID) && !NL_HAS(&ev, PORTRES_A_COMM),
	      "persistent NEW: has %#x gid %u", ev.has, ev.allowed_gid);
	CHECK_OK(pdelete(ctl, IPPROTO_TCP, 29170, 4));
	CHECK_PASS(expect_event(fd, PORTRES_CMD_DEL, PORTRES_REASON_DELETE,
				IPPROTO_TCP, 29170, 4, PORTRES_KIND_PERSISTENT,
				&ev));
	CHECK(ev.allowed_gid == 100, "persistent DEL: gid %u", ev.allowed_gid);
	/* A failed create and a failed delete say nothing. */
	CHECK_OK(pcreate(ctl, IPPROTO_UDP, 29175, 1, ANY_ID, ANY_ID, &tok));
	CHECK_PASS(expect_event(fd, PORTRES_CMD_NEW, 0, IPPROTO_UDP, 29175, 1,
				PORTRES_KIND_PERSISTENT, NULL));
	CHECK_ERR(pcreate(ctl, IPPROTO_UDP, 29175, 1, ANY_ID, ANY_ID, &tok),
		  -EADDRINUSE);
	CHECK_ERR(pdelete(ctl, IPPROTO_UDP, 29175, 2), -ENOENT);
	CHECK_PASS(expect_quiet(fd));
	CHECK_OK(pdelete(ctl, IPPROTO_UDP, 29175, 1));
	CHECK_PASS(expect_event(fd, PORTRES_CMD_DEL, PORTRES_REASON_DELETE,
				IPPROTO_UDP, 29175, 1, PORTRES_KIND_PERSISTENT,
				NULL));
	close(ctl);
	close(fd);
	return 0;
}

/*
 * Notifications go to the reservation's namespace only: a listener in a
 * new namespace hears its own reservation, the initial one does not; a
 * dump there shows only that namespace's.
 */
static int in_netns(void *arg)
{
	struct nl_resv v[MAX_RESV];
	int fd, t, n;

	(void)arg;
	if (unshare(CLONE_NEWNET))
		return -errno;
	fd = xlistener_nl();
	t = xsock(AF_INET, IPPROTO_TCP);
	xacquire(t, 29180, 1, NULL);
	if (expect_event(fd, PORTRES_CMD_NEW, 0, IPPROTO_TCP, 29180, 1,
			 PORTRES_KIND_RUNTIME, NULL))
		return -EPROTO;
	n = nl_dump(fd, &fam, v, MAX_RESV);
	if (n != 1 || v[0].first != 29180)
		return -EXDEV;
	close(t);
	if (expect_event(fd, PORTRES_CMD_DEL, PORTRES_REASON_CLOSE, IPPROTO_TCP,
			 29180, 1, PORTRES_KIND_RUNTIME, NULL))
		return -EPROTO;
	return 0;
}

static int notify_stays_in_its_netns(void)
{
	int fd = xlistener_nl();

	CHECK_OK(child_run(in_netns, NULL));
	CHECK_PASS(expect_quiet(fd));
	close(fd);
	return 0;
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
static int traced(const char *event, const char *fields)
{
	char want[512];

	snprintf(want, sizeof(want), "%s: %s", event, fields);
	if (strstr(trace_read(), want))
		return 0;
	tap_diag("not traced: '%s'", want);
	return -1;
}

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

static int tracepoints_tell_who_and_why(void)
{
	int t = xsock(AF_INET, IPPROTO_TCP), a, o, ctl = xctl_open();
	unsigned int ns = netns_inode(), *child_ns = shared_page();
	int pid = getpid();
	char f[256];
	uint64_t tok;

	CHECK(!access(TRACEFS "/events/portres/portres_bind_refused", F_OK),
	      "no " TRACEFS "/events/portres/portres_bind_refused");
	persist_cleanup_at_exit(29100, 29299);
	trace_write("events/portres/enable", "1");
	trace_write("trace", "");

	tok = xacquire(t, 29200, 2, NULL);
	a = xsock(AF_INET, IPPROTO_TCP);
	xassociate(a, tok);
	o = xsock(AF_INET6, IPPROTO_TCP);
	CHECK_ERR(bind_port(o, 29201), -EACCES);
	xrelease(t, tok);
	xacquire(t, 29210, 1, NULL);
	close(t);
	CHECK_OK(pcreate(ctl, IPPROTO_UDP, 29220, 3, ANY_ID, ANY_ID, &tok));
	CHECK_OK(pdelete(ctl, IPPROTO_UDP, 29220, 3));
	CHECK_OK(child_run(netns_child, child_ns));

	snprintf(f, sizeof(f), "netns=%u pid=%d comm=events protocol=tcp ports=29200-29201 kind=runtime uid=0", ns, pid);
	CHECK_PASS(traced("portres_acquire", f));
	CHECK_PASS(traced("portres_associate", f));
	snprintf(f, sizeof(f), "netns=%u pid=%d comm=events protocol=tcp port=29201 errno=13 ports=29200-29201 kind=runtime", ns, pid);
	CHECK_PASS(traced("portres_bind_refused", f));
	snprintf(f, sizeof(f), "netns=%u pid=%d comm=events protocol=tcp ports=29200-29201 kind=runtime reason=release refused=1", ns, pid);
	CHECK_PASS(traced("portres_release", f));
	snprintf(f, sizeof(f), "netns=%u pid=%d comm=events protocol=tcp ports=29210-29210 kind=runtime reason=close refused=0", ns, pid);
	CHECK_PASS(traced("portres_release", f));
	snprintf(f, sizeof(f), "netns=%u pid=%d comm=events protocol=udp ports=29220-29222 kind=persistent uid=0", ns, pid);
	CHECK_PASS(traced("portres_acquire", f));
	snprintf(f, sizeof(f), "netns=%u pid=%d comm=events protocol=udp ports=29220-29222 kind=persistent reason=delete refused=0", ns, pid);
	CHECK_PASS(traced("portres_release", f));
	/* The namespace goes in a kernel worker, some time after its last user. */
	snprintf(f, sizeof(f), "portres_release: netns=%u ", *child_ns);
	for (int i = 0; i < 100; i++) {
		char *save = NULL, *line;

		for (line = strtok_r((char *)trace_read(), "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (!strstr(line, f))
				continue;
			CHECK(strstr(line, "protocol=udp ports=29190-29191 kind=persistent reason=netns refused=0"),
			      "namespace exit traced as '%s'", line);
			trace_write("events/portres/enable", "0");
			close(a);
			close(o);
			close(ctl);
			return 0;
		}
		usleep(100 * 1000);
	}
	CHECK(0, "no portres_release with reason=netns for namespace %u", *child_ns);
	return 0;
}

/* ---- unload ---- */

static char module_params[1024];

static void read_module_params(void)
{
	DIR *d = opendir("/sys/module/portres/parameters");
	struct dirent *e;
	size_t len = 0;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[512], val[256];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/module/portres/parameters/%s",
			 e->d_name);
		if (!file_read(path, val, sizeof(val)))
			len += snprintf(module_params + len,
					sizeof(module_params) - len, "%s%s=%s",
					len ? " " : "", e->d_name, val);
	}
	closedir(d);
}

static int load_module(void)
{
	const char *ko = getenv("PORTRES_KO") ?: "/portres.ko";
	int fd = open(ko, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, module_params, 0))
		err = -errno;
	close(fd);
	return err;
}

/*
 * rmmod with reservations: a DEL with reason unload for each arrives
 * before the family is gone (the listener reads them afterwards), and no
 * other. Then the module comes back.
 */
static int unload_announces_every_end(void)
{
	int fd = xlistener_nl(), ctl = xctl_open(), t, u, chk;
	bool seen[3] = { false };
	struct nl_resv ev;
	uint64_t tok;
	int ret, i;

	read_module_params();
	t = xsock(AF_INET, IPPROTO_TCP);
	u = xsock(AF_INET, IPPROTO_UDP);
	xacquire(t, 29250, 2, NULL);
	xacquire(u, 29260, 1, NULL);
	CHECK_OK(pcreate(ctl, IPPROTO_TCP, 29270, 5, ANY_ID, ANY_ID, &tok));
	close(ctl);
	for (i = 0; i < 3; i++)
		CHECK(nl_next_event(fd, &fam, &ev, EVENT_MS) == 1 &&
		      ev.cmd == PORTRES_CMD_NEW, "NEW %d missing", i);
	CHECK_OK(syscall(SYS_delete_module, "portres", O_NONBLOCK) ? -errno : 0);
	for (i = 0; i < 3; i++) {
		ret = nl_next_event(fd, &fam, &ev, EVENT_MS);
		CHECK(ret == 1, "DEL %d of 3 missing after unload (%d)", i, ret);
		CHECK(ev.cmd == PORTRES_CMD_DEL && ev.reason == PORTRES_REASON_UNLOAD,
		      "cmd %d reason %u", ev.cmd, ev.reason);
		CHECK(!NL_HAS(&ev, PORTRES_A_TOKEN), "a token in a notification");
		CHECK(ev.first == 29250 || ev.first == 29260 || ev.first == 29270,
		      "DEL of %u", ev.first);
		chk = ev.first == 29250 ? 0 : ev.first == 29260 ? 1 : 2;
		CHECK(!seen[chk], "two DELs for %u", ev.first);
		seen[chk] = true;
	}
	CHECK_PASS(expect_quiet(fd));
	close(t);
	close(u);
	CHECK_ERR(nl_resolve(fd, &fam), -ENOENT);
	CHECK_OK(load_module());
	CHECK_OK(nl_resolve(fd, &fam));
	close(fd);
	return 0;
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP_TEST(family_is_registered),
		TAP_TEST(dump_has_every_field_of_proc),
		TAP_TEST(dump_has_no_tokens_for_others),
		TAP_TEST(counter_counts_outsider_binds),
		TAP_TEST(notify_release),
		TAP_TEST(notify_close),
		TAP_TEST(notify_delete),
		TAP_TEST(notify_stays_in_its_netns),
		TAP_TEST(tracepoints_tell_who_and_why),
		TAP_TEST(unload_announces_every_end),
	};

	return run_tests(tests, ARRAY_SIZE(tests));
}
