// SPDX-License-Identifier: GPL-2.0
/* Helpers of the libportres selftests (see libportres_util.h). */
#include <fcntl.h>
#include <libgen.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libportres_util.h"

static const char *last_cmd;

static char cmdline[1024];

/* NAME in the directory of this test binary, in path. */
static void prog_path(char *path, size_t size, const char *name)
{
	char dir[512];
	ssize_t len = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	if (len < 0)
		die("readlink /proc/self/exe: %s", strerror(errno));
	dir[len] = '\0';
	snprintf(path, size, "%s/%s", dirname(dir), name);
}

bool prog_built(const char *name)
{
	char path[600];

	prog_path(path, sizeof(path), name);
	return access(path, X_OK) == 0;
}

static void read_all(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

void run_prog(struct prog_result *r, enum runas who, const char *in,
	      const char *name, ...)
{
	const char *args[31];
	int n = 0;
	va_list ap;

	va_start(ap, name);
	while (n < 30 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	run_progv(r, who, in, name, args);
}

void run_progv(struct prog_result *r, enum runas who, const char *in,
	       const char *name, const char *const *args)
{
	const char *argv[32];
	char path[600];
	FILE *fo = tmpfile(), *fe = tmpfile(), *fi = tmpfile();
	int argc = 0, status;
	size_t pos;
	pid_t pid;

	if (!fo || !fe || !fi)
		die("run_prog set-up: %s", strerror(errno));
	prog_path(path, sizeof(path), name);
	argv[argc++] = name;
	while (argc < 31 && (argv[argc] = args[argc - 1]))
		argc++;
	argv[argc] = NULL;
	pos = snprintf(cmdline, sizeof(cmdline), "%s$", who == AS_NOBODY ?
		       "(as nobody) " : who == AS_NOADMIN ?
		       "(without CAP_NET_ADMIN) " : who == AS_ROOT_NO_PROC ?
		       "(without /proc) " : "");
	for (int i = 0; i < argc && pos < sizeof(cmdline); i++)
		pos += snprintf(cmdline + pos, sizeof(cmdline) - pos, " %s",
				argv[i]);
	last_cmd = cmdline;
	if (in && fputs(in, fi) < 0)
		die("run_prog: stdin: %s", strerror(errno));
	fflush(fi);
	rewind(fi);

	if (who == AS_NOBODY)
		root_traversable();
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		if (who == AS_NOADMIN) {
			/* Out of the bounding set too: exec gives root all of it. */
			if (prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0))
				die("PR_CAPBSET_DROP: %s", strerror(errno));
			drop_cap(CAP_NET_ADMIN);
		}
		else if (who == AS_NOBODY)
			drop_to_uid(NOBODY_UID);
		else if (who == AS_ROOT_NO_PROC &&
			 (unshare(CLONE_NEWNS) ||
			  mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
			  mount("none", "/proc", "tmpfs", 0, NULL)))
			die("hiding /proc: %s", strerror(errno));
		dup2(fileno(fi), 0);
		dup2(fileno(fo), 1);
		dup2(fileno(fe), 2);
		execv(path, (char **)argv);
		fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid: %s", strerror(errno));
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
					128 + WTERMSIG(status);
	read_all(fo, r->out, sizeof(r->out));
	read_all(fe, r->err, sizeof(r->err));
	fclose(fi);
}

static void diag_lines(const char *pfx, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		diag("  %s%.*s", pfx, len, p);
		p += len + (nl ? 1 : 0);
	}
}

void show_prog(const struct prog_result *r)
{
	diag("%s  -> exit %d", last_cmd ? last_cmd : "?", r->status);
	diag_lines("out: ", r->out);
	diag_lines("err: ", r->err);
}

static uint16_t clean_lo, clean_hi;

void persistent_cleanup(uint16_t lo, uint16_t hi)
{
	struct portres_entry *l;
	size_t n, i;

	if (portres_list(&l, &n))
		return;
	for (i = 0; i < n; i++) {
		struct portres_persistent p;

		if (!l[i].persistent || l[i].last < lo || l[i].first > hi)
			continue;
		portres_persistent_init(&p, l[i].protocol, l[i].first, l[i].count);
		portres_persistent_delete(-1, &p);
	}
	portres_list_free(l);
}

static void cleanup_at_exit(void)
{
	persistent_cleanup(clean_lo, clean_hi);
}

void persistent_cleanup_at_exit(uint16_t lo, uint16_t hi)
{
	clean_lo = lo;
	clean_hi = hi;
	persistent_cleanup(lo, hi);
	atexit(cleanup_at_exit);
}

const struct portres_entry *find_entry(const struct portres_entry *l, size_t n,
				       int proto, uint16_t port)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i].protocol == proto && l[i].first <= port &&
		    port <= l[i].last)
			return &l[i];
	return NULL;
}

int count_lines(const char *text, const char *needle)
{
	int n = 0;

	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);

		if (memmem(text, len, needle, strlen(needle)))
			n++;
		text += len + (nl ? 1 : 0);
	}
	return n;
}

/* ---- conv4: portresctl checks and programs in the background ---- */

bool prog_says(const struct prog_result *r, int status, const char *text,
	       const char *part)
{
	if (r->status == status && strstr(text, part))
		return true;
	show_prog(r);
	diag("want exit %d and '%s' in %s", status, part,
	     text == r->out ? "stdout" : "stderr");
	return false;
}

bool prog_ok(const struct prog_result *r, bool ok)
{
	if (!ok)
		show_prog(r);
	return ok;
}

bool ctl_step(struct prog_result *r, const struct ctl_step *s)
{
	run_progv(r, s->who, NULL, "portresctl", s->argv);
	return prog_says(r, s->status, s->stream == OUT ? r->out : r->err,
			 s->part ? s->part : "");
}

size_t ctl_steps(struct prog_result *r, const struct ctl_step *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && ctl_step(r, &s[i]); i++)
		;
	if (i < n)
		diag("step %zu of %zu failed", i + 1, n);
	return i;
}

void bg_start(struct bg_prog *b, int fd, const char *name, ...)
{
	const char *argv[16];
	char path[600];
	int argc = 0;
	va_list ap;

	b->log = tmpfile();
	if (!b->log)
		die("tmpfile: %s", strerror(errno));
	prog_path(path, sizeof(path), name);
	argv[argc++] = name;
	va_start(ap, name);
	while (argc < 15 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	b->pid = fork();
	if (b->pid < 0)
		die("fork: %s", strerror(errno));
	if (!b->pid) {
		dup2(fileno(b->log), fd);
		execv(path, (char **)argv);
		_exit(127);
	}
}

const char *bg_output(struct bg_prog *b)
{
	static char buf[OUT_MAX];
	size_t n;

	fflush(b->log);
	rewind(b->log);
	n = fread(buf, 1, sizeof(buf) - 1, b->log);
	buf[n] = '\0';
	return buf;
}

int bg_stop(struct bg_prog *b)
{
	int status;

	kill(b->pid, SIGTERM);
	if (waitpid(b->pid, &status, 0) != b->pid)
		die("waitpid: %s", strerror(errno));
	return status;
}
