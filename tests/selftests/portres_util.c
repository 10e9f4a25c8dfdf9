// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the portres selftests (see portres_util.h).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "portres_util.h"

#define MAX_RESTORE		16
#define BIG			65536

/* State every test must leave as it found it. */
static const char *const watched[] = {
	SYSCTL_PORT_RANGE,
	SYSCTL_RESERVED_PORTS,
	SYSCTL_UNPRIV_START,
	PARAM_MAX_PORTS,
};
#define NWATCHED	ARRAY_SIZE(watched)

/*
 * Shared (MAP_SHARED) by every process of the test binary, so that the
 * kselftest harness's parent-side teardown sees what the test process saw
 * and changed: the snapshot when the test began, and the files to restore.
 * Paths are string constants, at the same address in every process.
 */
static struct shared_state {
	bool active;		/* a test is running: snapshot is valid */
	bool own_netns;		/* harness test in a netns of its own */
	char snapshot[NWATCHED][BIG];
	int restore_count;
	struct {
		const char *path;
		char val[BIG];
	} restore[MAX_RESTORE];
} *st;

/* The process that runs main(): the one the state is checked in at exit. */
static pid_t main_pid;

static struct shared_state *shared(void)
{
	if (!st) {
		st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (st == MAP_FAILED) {
			st = NULL;
			die("mmap of the shared test state: %s",
			    strerror(errno));
		}
	}
	return st;
}

/* Before main(): mapped once, in the process every other one forks from. */
static void __attribute__((constructor)) shared_init(void)
{
	main_pid = getpid();
	shared();
}

static void vdiag(const char *fmt, va_list ap)
{
	fputs("# ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

const char *errname(int err)
{
	static char bufs[4][96];
	static int next;
	char *b = bufs[next++ & 3];
	const char *name;

	if (err == 0)
		return "0 (success)";
	if (err == CHILD_SETUP_FAILED)
		return "setup failure in child (see its diagnostics)";
	if (err >= CHILD_KILLED) {
		snprintf(b, sizeof(bufs[0]), "child killed by signal %d",
			 err - CHILD_KILLED);
		return b;
	}
	if (err < 0) {
		snprintf(b, sizeof(bufs[0]), "non-error value %d", -err);
		return b;
	}
	name = strerrorname_np(err);
	snprintf(b, sizeof(bufs[0]), "%s (%s)", name ? name : "?",
		 strerror(err));
	return b;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
	/* A child, or the test itself (its teardown restores): fails it. */
	_exit(CHILD_SETUP_FAILED);
}

/* ---- files ---- */

int file_read(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - total);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	while (total > 0 && buf[total - 1] == '\n')
		buf[--total] = '\0';
	return 0;
}

int file_write(const char *path, const char *val)
{
	size_t len = strlen(val), done;
	char *line = malloc(len + 2);
	int fd, ret = 0;
	ssize_t n;

	if (!line)
		return -ENOMEM;
	memcpy(line, val, len);
	line[len] = '\n';
	line[len + 1] = '\0';
	/* O_TRUNC as a shell's '>': a tracefs filter file appends without. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		/*
		 * As echo does: the bitmap sysctl takes at most a page per
		 * write(), replacing at offset 0 and adding after it, and a
		 * tracefs filter file one word.
		 */
		for (done = 0; !ret && done < len + 1;) {
			n = write(fd, line + done, len + 1 - done);
			if (n > 0)
				done += n;
			else
				ret = n ? -errno : -EIO;
		}
		close(fd);
	}
	free(line);
	return ret;
}

static void restore_all(void)
{
	int i;

	for (i = st->restore_count - 1; i >= 0; i--) {
		int err = file_write(st->restore[i].path, st->restore[i].val);

		if (err)
			diag("cannot restore %s: %s", st->restore[i].path,
			     strerror(-err));
	}
	st->restore_count = 0;
}

/* The watched file's value when the test began, or NULL. */
static const char *start_value(const char *path)
{
	size_t i;

	for (i = 0; st->active && i < NWATCHED; i++)
		if (!strcmp(watched[i], path) &&
		    strcmp(st->snapshot[i], "<unreadable>"))
			return st->snapshot[i];
	return NULL;
}

/*
 * The value restored is the one from when the test began (for the watched
 * files) or from before the first change: never one that already holds the
 * module's bits of a reservation the test made, which restoring would turn
 * into administrator's bits. A test in a netns of its own restores nothing
 * under /proc/sys/net: those files go with the namespace.
 */
void xsysctl_set(const char *path, const char *val)
{
	const char *start;
	int i, err;

	if (st->own_netns && !strncmp(path, "/proc/sys/net/", 14))
		goto write;
	for (i = 0; i < st->restore_count; i++)
		if (!strcmp(st->restore[i].path, path))
			goto write;
	if (st->restore_count == MAX_RESTORE)
		die("too many sysctls changed in one test");
	start = start_value(path);
	if (start) {
		strcpy(st->restore[i].val, start);
	} else {
		err = file_read(path, st->restore[i].val, BIG);
		if (err)
			die("read %s: %s", path, strerror(-err));
	}
	st->restore[i].path = path;
	st->restore_count++;
write:
	err = file_write(path, val);
	if (err)
		die("write '%s' to %s: %s", val, path, strerror(-err));
}

void get_port_range(int *lo, int *hi)
{
	char buf[64];
	int err = file_read(SYSCTL_PORT_RANGE, buf, sizeof(buf));

	if (err)
		die("read %s: %s", SYSCTL_PORT_RANGE, strerror(-err));
	if (sscanf(buf, "%d %d", lo, hi) != 2)
		die("cannot parse %s: '%s'", SYSCTL_PORT_RANGE, buf);
}

void xset_port_range(int lo, int hi)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%d %d", lo, hi);
	xsysctl_set(SYSCTL_PORT_RANGE, buf);
}

/* ---- ip_local_reserved_ports ---- */

void portset_clear(struct portset *s)
{
	memset(s, 0, sizeof(*s));
}

int portset_parse(struct portset *s, const char *text)
{
	const char *p = text;

	portset_clear(s);
	while (*p) {
		char *end;
		long a, b;

		while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		a = strtol(p, &end, 10);
		if (end == p || a < 0 || a > 65535)
			return -EINVAL;
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			b = strtol(p, &end, 10);
			if (end == p || b < a || b > 65535)
				return -EINVAL;
			p = end;
		}
		for (; a <= b; a++)
			portset_set(s, a);
	}
	return 0;
}

void portset_format(const struct portset *s, char *buf, size_t size)
{
	size_t len = 0;
	int port = 0;

	buf[0] = '\0';
	while (port < 65536) {
		int end;

		if (!portset_test(s, port)) {
			port++;
			continue;
		}
		for (end = port; end + 1 < 65536 && portset_test(s, end + 1);)
			end++;
		if (end == port)
			len += snprintf(buf + len, size - len, "%s%d",
					len ? "," : "", port);
		else
			len += snprintf(buf + len, size - len, "%s%d-%d",
					len ? "," : "", port, end);
		if (len >= size)
			die("port list does not fit in %zu bytes", size);
		port = end + 1;
	}
}

void xreserved_ports_read(struct portset *s)
{
	char *buf = malloc(BIG);
	int err;

	if (!buf)
		die("out of memory");
	err = file_read(SYSCTL_RESERVED_PORTS, buf, BIG);
	if (err)
		die("read %s: %s", SYSCTL_RESERVED_PORTS, strerror(-err));
	if (portset_parse(s, buf))
		die("cannot parse %s: '%s'", SYSCTL_RESERVED_PORTS, buf);
	free(buf);
}

/* Writes the whole bitmap; the original comes back when the test ends. */
void xreserved_ports_write(const struct portset *s)
{
	char *buf = malloc(BIG);

	if (!buf)
		die("out of memory");
	portset_format(s, buf, BIG);
	xsysctl_set(SYSCTL_RESERVED_PORTS, buf);
	free(buf);
}

/* ---- sockets ---- */

int xsock(int family, int proto)
{
	int type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int fd = socket(family, type | SOCK_CLOEXEC, proto);

	if (fd < 0)
		die("socket(%d, %d, %d): %s", family, type, proto,
		    strerror(errno));
	return fd;
}

int sock_family(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len))
		die("SO_DOMAIN: %s", strerror(errno));
	return v;
}

static socklen_t make_addr(struct sockaddr_storage *ss, int family,
			   const char *addr, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	bool v4 = family == AF_INET;

	memset(ss, 0, sizeof(*ss));
	ss->ss_family = family;
	/* sin_port and sin6_port are at the same place. */
	sin->sin_port = htons(port);
	if (inet_pton(family, addr, v4 ? (void *)&sin->sin_addr :
					 (void *)&sin6->sin6_addr) != 1)
		die("bad IPv%d address %s", v4 ? 4 : 6, addr);
	return v4 ? sizeof(*sin) : sizeof(*sin6);
}

int bind_addr(int fd, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, sock_family(fd), addr, port);

	return bind(fd, (struct sockaddr *)&ss, len) ? -errno : 0;
}

int bind_port(int fd, uint16_t port)
{
	return bind_addr(fd, sock_family(fd) == AF_INET ? "0.0.0.0" : "::",
			 port);
}

int connect_port(int fd, uint16_t port)
{
	struct sockaddr_storage ss;
	int family = sock_family(fd);
	socklen_t len = make_addr(&ss, family,
				  family == AF_INET ? "127.0.0.1" : "::1", port);

	return connect(fd, (struct sockaddr *)&ss, len) ? -errno : 0;
}

int sendto_port(int fd, uint16_t port)
{
	struct sockaddr_storage ss;
	int family = sock_family(fd);
	socklen_t len = make_addr(&ss, family,
				  family == AF_INET ? "127.0.0.1" : "::1", port);

	if (sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len) != 1)
		return -errno;
	return 0;
}

int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -errno;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

void set_int_opt(int fd, int level, int opt, int val)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)))
		die("setsockopt(%d, %d): %s", level, opt, strerror(errno));
}

int xlistener(int family, uint16_t port)
{
	int fd = xsock(family, IPPROTO_TCP);
	int err = bind_port(fd, port);

	if (err)
		die("listener bind to %u: %s", port, strerror(-err));
	if (listen(fd, 64))
		die("listen on %u: %s", port, strerror(errno));
	return fd;
}

int xaccept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		die("accept: %s", strerror(errno));
	return fd;
}

void close_rst(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static bool tcp_file_has(const char *path, uint16_t port, int state)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned int lport, st;

		if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x",
			   &lport, &st) == 2 && lport == port &&
		    (int)st == state) {
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

bool tcp_port_in_state(uint16_t port, int state)
{
	return tcp_file_has("/proc/net/tcp", port, state) ||
	       tcp_file_has("/proc/net/tcp6", port, state);
}

int make_time_wait(uint16_t lport, uint16_t port)
{
	int l = xlistener(AF_INET, lport);
	int c = xsock(AF_INET, IPPROTO_TCP);
	int s, i;

	s = bind_addr(c, "127.0.0.1", port);
	if (s)
		die("bind to 127.0.0.1:%u: %s", port, errname(-s));
	s = connect_port(c, lport);
	if (s)
		die("connect to port %u: %s", lport, errname(-s));
	s = xaccept(l);
	close(c);		/* FIN from the client: it goes to FIN_WAIT2 */
	close(s);		/* FIN from the server: client -> TIME_WAIT */
	close(l);
	for (i = 0; i < 2000 && !tcp_port_in_state(port, TCP_TIME_WAIT_STATE);
	     i++)
		usleep(1000);
	if (!tcp_port_in_state(port, TCP_TIME_WAIT_STATE))
		die("port %u never reached TIME_WAIT", port);
	return 0;
}

/* ---- portres ioctls ---- */

int acquire(int fd, uint16_t start, uint16_t n,
	    struct inet_port_reservation_instance *out)
{
	struct inet_port_reservation_instance inst;

	memset(&inst, 0, sizeof(inst));
	inst.reservation.start_port = htons(start);
	inst.reservation.number_of_ports = n;
	if (ioctl(fd, SIO_ACQUIRE_PORT_RESERVATION, &inst))
		return -errno;
	if (out)
		*out = inst;
	return 0;
}

uint64_t xacquire(int fd, uint16_t start, uint16_t n, uint16_t *granted)
{
	struct inet_port_reservation_instance inst = { 0 };
	int err = acquire(fd, start, n, &inst);

	if (err)
		die("acquire %u+%u: %s", start, n, errname(-err));
	if (!inst.token.token)
		die("acquire %u+%u returned token 0", start, n);
	if (granted)
		*granted = ntohs(inst.reservation.start_port);
	return inst.token.token;
}

int associate(int fd, uint64_t token)
{
	struct inet_port_reservation_token t = { .token = token };

	return ioctl(fd, SIO_ASSOCIATE_PORT_RESERVATION, &t) ? -errno : 0;
}

int release(int fd, uint64_t token)
{
	struct inet_port_reservation_token t = { .token = token };

	return ioctl(fd, SIO_RELEASE_PORT_RESERVATION, &t) ? -errno : 0;
}

void xassociate(int fd, uint64_t token)
{
	int err = associate(fd, token);

	if (err)
		die("associate: %s", errname(-err));
}

void xrelease(int fd, uint64_t token)
{
	int err = release(fd, token);

	if (err)
		die("release: %s", errname(-err));
}

/* ---- children and privileges ---- */

pid_t child_start(int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int ret = fn(arg);

		fflush(stdout);
		if (ret > 0 || ret < -(CHILD_SETUP_FAILED - 1))
			ret = -CHILD_SETUP_FAILED;
		_exit(-ret);
	}
	return pid;
}

int child_wait(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		die("waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		return -(CHILD_KILLED + WTERMSIG(status));
	return -WEXITSTATUS(status);
}

int child_run(int (*fn)(void *), void *arg)
{
	return child_wait(child_start(fn, arg));
}

void root_traversable(void)
{
	struct stat st;

	if (stat("/", &st) || (st.st_mode & 0001))
		return;
	if (chmod("/", st.st_mode | 0111))
		die("chmod /: %s", strerror(errno));
}

void drop_to_uid(uid_t uid)
{
	if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
		die("drop to uid %u: %s", uid, strerror(errno));
}

void drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		die("capget: %s", strerror(errno));
	data[cap / 32].effective &= ~(1u << (cap % 32));
	data[cap / 32].permitted &= ~(1u << (cap % 32));
	data[cap / 32].inheritable &= ~(1u << (cap % 32));
	if (syscall(SYS_capset, &hdr, data))
		die("capset: %s", strerror(errno));
}

void hs_init(struct hs *h)
{
	if (pipe2(h->to_child, O_CLOEXEC) || pipe2(h->to_parent, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
}

void hs_child_side(struct hs *h)
{
	close(h->to_child[1]);
	close(h->to_parent[0]);
}

void hs_parent_side(struct hs *h)
{
	close(h->to_child[0]);
	close(h->to_parent[1]);
}

void hs_post(int fd)
{
	if (write(fd, "x", 1) != 1)
		die("hand-shake write: %s", strerror(errno));
}

void hs_wait(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		die("hand-shake: peer went away");
}

/* ---- conv2: module unload and load ---- */

bool module_loaded(void)
{
	struct stat st;

	return stat(MODULE_DIR, &st) == 0;
}

int module_params_read(char *buf, size_t size)
{
	DIR *d = opendir(MODULE_DIR "/parameters");
	struct dirent *e;
	size_t len = 0;

	buf[0] = '\0';
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		char path[512], val[256];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), MODULE_DIR "/parameters/%s",
			 e->d_name);
		if (file_read(path, val, sizeof(val)))
			continue;
		len += snprintf(buf + len, size - len, "%s%s=%s",
				len ? " " : "", e->d_name, val);
		if (len >= size) {
			closedir(d);
			return -E2BIG;
		}
	}
	closedir(d);
	return 0;
}

static char saved_params[1024];
static int saved_params_err;

/* Before the first test, while the module is as the guest loaded it. */
static void __attribute__((constructor)) module_params_save(void)
{
	saved_params_err = module_params_read(saved_params,
					      sizeof(saved_params));
}

const char *module_params_saved(void)
{
	if (saved_params_err)
		die("cannot read the module parameters: %s",
		    errname(saved_params_err));
	return saved_params;
}

int unload_module(void)
{
	return syscall(SYS_delete_module, "portres", O_NONBLOCK) ? -errno : 0;
}

int load_module(const char *params)
{
	const char *ko = getenv("PORTRES_KO") ?: "/portres.ko";
	int fd = open(ko, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		err = -errno;
	close(fd);
	return err;
}

/* ---- the state every test keeps ---- */

static void snapshot(char (*into)[BIG])
{
	size_t i;

	for (i = 0; i < NWATCHED; i++)
		if (file_read(watched[i], into[i], BIG))
			strcpy(into[i], "<unreadable>");
}

/* Reports and repairs what a test changed; returns true if all was kept. */
static bool state_kept(char (*before)[BIG])
{
	char (*after)[BIG] = malloc(NWATCHED * BIG);
	bool kept = true;
	size_t i;

	if (!after)
		die("out of memory");
	snapshot(after);
	for (i = 0; i < NWATCHED; i++) {
		const char *b = before[i], *a = after[i];

		/* A file that comes or goes is the module (un)loading. */
		if (!strcmp(a, b) || !strcmp(a, "<unreadable>") ||
		    !strcmp(b, "<unreadable>"))
			continue;
		kept = false;
		diag("%s changed by the test: before '%.200s', after '%.200s'",
		     watched[i], b, a);
		file_write(watched[i], b);
	}
	free(after);
	return kept;
}

/*
 * A test the harness killed at its timeout never reached its teardown (the
 * kill takes the teardown's process too): check and repair its state here,
 * before the next test snapshots it, or at exit after the last one.
 */
static void state_end_leftover(void)
{
	if (st && st->active && !state_end())
		diag("a test killed before its teardown left the state above changed (repaired)");
}

static void __attribute__((destructor)) state_check_at_exit(void)
{
	if (getpid() == main_pid && st && st->active) {
		state_end_leftover();
		fflush(stdout);
	}
}

void state_begin(bool own_netns)
{
	state_end_leftover();
	snapshot(st->snapshot);
	st->restore_count = 0;
	st->own_netns = own_netns;
	st->active = true;
}

bool state_end(void)
{
	bool kept;

	restore_all();
	kept = state_kept(st->snapshot);
	st->active = false;
	st->own_netns = false;
	return kept;
}
