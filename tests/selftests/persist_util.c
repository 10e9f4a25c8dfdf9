// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the persistent-reservation selftests (see persist_util.h).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "persist_util.h"

void *shared_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(p, 0, 4096);
	return p;
}

int xctl_open(void)
{
	int fd = open(PORTRES_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open %s: %s", PORTRES_DEV, strerror(errno));
	return fd;
}

int ctl_ioctl(int ctl, unsigned long cmd, struct portres_persistent *p)
{
	return ioctl_err(ctl, cmd, p);
}

/* ---- conv1: once here, was copied in persist, isolation and compat32 ---- */

int ioctl_err(int fd, unsigned long cmd, const void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

bool reserved(int port)
{
	struct portset ps;

	xreserved_ports_read(&ps);
	return portset_test(&ps, port);
}

int outsider_bind(int family, int proto, uint16_t port)
{
	int fd = xsock(family, proto), err = bind_port(fd, port);

	close(fd);
	return err;
}

/* ---- end of conv1 ---- */

struct portres_persistent preq(int proto, uint16_t start, uint16_t n,
			       uint32_t uid, uint32_t gid)
{
	struct portres_persistent p;

	memset(&p, 0, sizeof(p));
	p.protocol = proto;
	p.range.start_port = htons(start);
	p.range.number_of_ports = n;
	p.allowed_uid = uid;
	p.allowed_gid = gid;
	return p;
}

int pcreate(int ctl, int proto, uint16_t start, uint16_t n, uint32_t uid,
	    uint32_t gid, uint64_t *token)
{
	struct portres_persistent p = preq(proto, start, n, uid, gid);
	int err = ctl_ioctl(ctl, PORTRES_IOC_CREATE_PERSISTENT, &p);

	if (!err && token)
		*token = p.token;
	return err;
}

int pcreate_given(int ctl, int proto, uint16_t start, uint16_t n,
		  uint64_t token)
{
	struct portres_persistent p = preq(proto, start, n, ANY_ID, ANY_ID);
	int err;

	p.flags = PORTRES_F_GIVEN_TOKEN;
	p.token = token;
	err = ctl_ioctl(ctl, PORTRES_IOC_CREATE_PERSISTENT, &p);
	if (!err && p.token != token) {
		diag("created with token %016llx, got %016llx back",
		     (unsigned long long)token, (unsigned long long)p.token);
		return -EPROTO;
	}
	return err;
}

int pdelete(int ctl, int proto, uint16_t start, uint16_t n)
{
	struct portres_persistent p = preq(proto, start, n, ANY_ID, ANY_ID);

	return ctl_ioctl(ctl, PORTRES_IOC_DELETE_PERSISTENT, &p);
}

int plookup(int ctl, int proto, uint16_t start, uint16_t n,
	    struct portres_persistent *out)
{
	/* Junk in the output fields: lookup must overwrite them. */
	struct portres_persistent p = preq(proto, start, n, 12345, 54321);
	int err;

	p.token = 0x5555;
	err = ctl_ioctl(ctl, PORTRES_IOC_LOOKUP_PERSISTENT, &p);
	if (!err && out)
		*out = p;
	return err;
}

uint64_t xpcreate(int ctl, int proto, uint16_t start, uint16_t n)
{
	uint64_t token = 0;
	int err = pcreate(ctl, proto, start, n, ANY_ID, ANY_ID, &token);

	if (err)
		die("create persistent %s %u+%u: %s",
		    proto == IPPROTO_TCP ? "tcp" : "udp", start, n,
		    errname(-err));
	if (!token)
		die("create persistent %u+%u returned token 0", start, n);
	return token;
}

void xpdelete(int ctl, int proto, uint16_t start, uint16_t n)
{
	int err = pdelete(ctl, proto, start, n);

	if (err)
		die("delete persistent %u+%u: %s", start, n, errname(-err));
}

/* ---- /proc/net/port_reservations ---- */

static int proc_split(char *text, struct proc_listing *l)
{
	char *save = NULL, *line;
	bool first = true;

	memset(l, 0, sizeof(*l));
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct proc_line *pl;
		char extra[8];
		int got;

		if (first) {
			snprintf(l->header, sizeof(l->header), "%s", line);
			first = false;
			continue;
		}
		if (l->n == PROC_MAX_LINES)
			return -E2BIG;
		pl = &l->line[l->n++];
		snprintf(pl->raw, sizeof(pl->raw), "%s", line);
		got = sscanf(line,
			     "%63s %63s %63s %63s %63s %63s %63s %63s %63s %63s %63s %63s %63s %7s",
			     pl->f[0], pl->f[1], pl->f[2], pl->f[3], pl->f[4],
			     pl->f[5], pl->f[6], pl->f[7], pl->f[8], pl->f[9],
			     pl->f[10], pl->f[11], pl->f[12], extra);
		if (got != 13) {
			diag("listing line with %d fields: '%s'", got, line);
			return -EPROTO;
		}
	}
	return 0;
}

int proc_read_fd(int fd, struct proc_listing *l)
{
	static char buf[65536];
	ssize_t n, total = 0;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		n = read(fd, buf + total, sizeof(buf) - 1 - total);
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		total += n;
		if ((size_t)total == sizeof(buf) - 1)
			return -E2BIG;
	}
	buf[total] = '\0';
	return proc_split(buf, l);
}

int proc_read(const char *path, struct proc_listing *l)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = proc_read_fd(fd, l);
	close(fd);
	return err;
}

const struct proc_line *proc_find(const struct proc_listing *l,
				  const char *proto, uint16_t first)
{
	char port[8];
	int i;

	snprintf(port, sizeof(port), "%u", first);
	for (i = 0; i < l->n; i++)
		if (!strcmp(l->line[i].f[PL_PROTO], proto) &&
		    !strcmp(l->line[i].f[PL_FIRST], port))
			return &l->line[i];
	return NULL;
}

const char *tok_hex(uint64_t token)
{
	static char bufs[4][20];
	static int next;
	char *b = bufs[next++ & 3];

	snprintf(b, sizeof(bufs[0]), "%016llx", (unsigned long long)token);
	return b;
}

/* ---- clean-up ---- */

static uint16_t cleanup_lo, cleanup_hi;
static pid_t cleanup_pid;

static void persist_cleanup(void)
{
	static struct proc_listing l;
	int i, ctl;

	if (proc_read(PROC_RESV, &l))
		return;
	ctl = open(PORTRES_DEV, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return;
	for (i = 0; i < l.n; i++) {
		const struct proc_line *pl = &l.line[i];
		long first = atol(pl->f[PL_FIRST]);
		long count = atol(pl->f[PL_COUNT]);

		if (strcmp(pl->f[PL_KIND], "persistent") || first < cleanup_lo ||
		    first > cleanup_hi)
			continue;
		pdelete(ctl, strcmp(pl->f[PL_PROTO], "tcp") ? IPPROTO_UDP :
			IPPROTO_TCP, first, count);
	}
	close(ctl);
}

static void persist_cleanup_exit(void)
{
	if (getpid() == cleanup_pid)
		persist_cleanup();
}

void persist_cleanup_at_exit(uint16_t lo, uint16_t hi)
{
	cleanup_lo = lo;
	cleanup_hi = hi;
	persist_cleanup();
	if (cleanup_pid != getpid()) {
		cleanup_pid = getpid();
		/* Registered after the runner's sysctl restore: runs before it. */
		atexit(persist_cleanup_exit);
	}
}

/* ---- credentials and namespaces ---- */

static void write_map(const char *path, const char *text)
{
	int err = file_write(path, text);

	if (err)
		die("write '%s' to %s: %s", text, path, strerror(-err));
}

void xunshare_user_net(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	/* A setuid() cleared dumpable: /proc/self would be root's. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		die("unshare(CLONE_NEWUSER | CLONE_NEWNET): %s",
		    strerror(errno));
	/* Mapping one's own gid needs setgroups denied first. */
	write_map("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", uid);
	write_map("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", gid);
	write_map("/proc/self/gid_map", map);
}

void become(uid_t uid, gid_t gid, int ngroups, const gid_t *groups)
{
	if (setgroups(ngroups, groups) || setgid(gid) || setuid(uid))
		die("become uid %u gid %u: %s", uid, gid, strerror(errno));
}

/* One byte and room for one file descriptor, for SCM_RIGHTS. */
struct fd_msg {
	char data;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg;
};

static void fd_msg_init(struct fd_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->data = 'f';
	m->iov.iov_base = &m->data;
	m->iov.iov_len = 1;
	m->msg.msg_iov = &m->iov;
	m->msg.msg_iovlen = 1;
	m->msg.msg_control = m->u.buf;
	m->msg.msg_controllen = sizeof(m->u.buf);
}

void send_fd(int sock, int fd)
{
	struct fd_msg m;
	struct cmsghdr *c;

	fd_msg_init(&m);
	c = CMSG_FIRSTHDR(&m.msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &m.msg, 0) != 1)
		die("sendmsg(SCM_RIGHTS): %s", strerror(errno));
}

int recv_fd(int sock)
{
	struct fd_msg m;
	struct cmsghdr *c;
	int fd;

	fd_msg_init(&m);
	if (recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC) != 1)
		die("recvmsg: %s", strerror(errno));
	c = CMSG_FIRSTHDR(&m.msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		die("recvmsg: no file descriptor");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}
