// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl daemon --save FILE: restores FILE, then rewrites it after
 * every persistent reservation made or deleted (here with the raw
 * /dev/portres ioctls), never for runtime ones, for an unload or a
 * namespace's end; restore and the daemon with a damaged file: every
 * readable line restored, every bad one named, exit status 6, and the
 * daemon keeps the damaged file aside.
 *
 * Ports used: 29700-29799.
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
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

#define DIR_	"/tmp/portres-daemon"
#define FILE_	DIR_ "/reservations.conf"

static char text[OUT_MAX];

static const char *read_text(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	text[0] = '\0';
	if (fd < 0)
		return NULL;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	return text;
}

static void write_text(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die("write %s: %s", path, strerror(errno));
	close(fd);
}

static void fresh_dir(void)
{
	DIR *d = opendir(DIR_);
	struct dirent *e;
	char p[512];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), DIR_ "/%s", e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	mkdir(DIR_, 0755);
}

static int entries_in_dir(const char *prefix)
{
	DIR *d = opendir(DIR_);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	if (d)
		closedir(d);
	return n;
}

/* The raw ioctl, as any administrator's program would make one. */
static int raw(unsigned long cmd, int proto, uint16_t start, uint16_t n,
	       uint64_t *token)
{
	struct portres_persistent p = {
		.protocol = proto,
		.range = { .start_port = htons(start), .number_of_ports = n },
		.allowed_uid = PORTRES_ANY_ID,
		.allowed_gid = 100,
	};
	int fd = open("/dev/portres", O_RDWR | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, cmd, &p))
		err = -errno;
	close(fd);
	if (!err && token)
		*token = p.token;
	return err;
}

struct daemon {
	pid_t pid;
	FILE *err;
};

static void daemon_start(struct daemon *d)
{
	char dir[512], path[600];
	ssize_t len = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	d->err = tmpfile();
	if (len <= 0 || !d->err)
		die("daemon set-up: %s", strerror(errno));
	dir[len] = '\0';
	snprintf(path, sizeof(path), "%s/portresctl", dirname(dir));
	fflush(stdout);
	d->pid = fork();
	if (d->pid < 0)
		die("fork: %s", strerror(errno));
	if (!d->pid) {
		dup2(fileno(d->err), 2);
		execl(path, "portresctl", "daemon", "--save", FILE_, NULL);
		_exit(127);
	}
}

static const char *daemon_log(struct daemon *d)
{
	static char buf[OUT_MAX];
	size_t n;

	fflush(d->err);
	rewind(d->err);
	n = fread(buf, 1, sizeof(buf) - 1, d->err);
	buf[n] = '\0';
	return buf;
}

static int daemon_stop(struct daemon *d)
{
	int status;

	kill(d->pid, SIGTERM);
	CHECK(waitpid(d->pid, &status, 0) == d->pid, "waitpid");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
	      "daemon ended by itself (status %#x): %s", status, daemon_log(d));
	fclose(d->err);
	return 0;
}

/* Until FILE_ has (want) or has not (!want) the line: up to 10 s. */
static int file_gets(const char *line, bool want)
{
	for (int i = 0; i < 100; i++) {
		const char *t = read_text(FILE_);

		if (t && !!strstr(t, line) == want)
			return 0;
		usleep(100 * 1000);
	}
	CHECK(0, "%s never %s '%s': '%s'", FILE_, want ? "got" : "lost", line,
	      read_text(FILE_) ?: "(no file)");
	return 0;
}

static int daemon_saves_every_change(void)
{
	struct inet_port_reservation_instance inst;
	struct daemon d;
	char line[128];
	uint64_t tok;
	struct stat before, after;
	int s;

	persistent_cleanup_at_exit(29700, 29799);
	fresh_dir();
	write_text(FILE_, "# saved before\nudp 29700 2 00000000000029a1 - 100\n");
	daemon_start(&d);
	/* Restored, then saved in its own format. */
	CHECK_PASS(file_gets("# portres persistent reservations", true));
	CHECK_PASS(file_gets("udp 29700 2 00000000000029a1 - 100\n", true));

	CHECK_OK(raw(PORTRES_IOC_CREATE_PERSISTENT, IPPROTO_TCP, 29710, 3, &tok));
	snprintf(line, sizeof(line), "tcp 29710 3 %016llx - 100\n",
		 (unsigned long long)tok);
	CHECK_PASS(file_gets(line, true));
	CHECK_OK(raw(PORTRES_IOC_DELETE_PERSISTENT, IPPROTO_UDP, 29700, 2, NULL));
	CHECK_PASS(file_gets("udp 29700", false));
	CHECK_PASS(file_gets(line, true));

	/* A runtime reservation is not saved, and the file is not rewritten. */
	CHECK(!stat(FILE_, &before), "stat");
	s = xsock(AF_INET, IPPROTO_TCP);
	CHECK_OK(portres_acquire(s, 29720, 1, &inst));
	close(s);
	usleep(500 * 1000);
	CHECK(!stat(FILE_, &after), "stat");
	CHECK(before.st_ino == after.st_ino, "file rewritten for a runtime reservation");
	CHECK(entries_in_dir("reservations.conf.tmp") == 0, "a temporary file is left");
	CHECK_PASS(daemon_stop(&d));
	CHECK_OK(raw(PORTRES_IOC_DELETE_PERSISTENT, IPPROTO_TCP, 29710, 3, NULL));
	return 0;
}

static const char damaged[] =
	"udp 29730 1 0123456789abcdef - -\n"
	"tcp 29731 1 zz - -\n"
	"udp 29732 2 fedcba9876543210 1000 -\n"
	"udp 29734 1 01234567";		/* cut off */

static int restore_damaged_file(void)
{
	struct prog_result r;
	struct portres_persistent p;

	persistent_cleanup_at_exit(29700, 29799);
	fresh_dir();
	write_text(FILE_, damaged);
	run_prog(&r, AS_ROOT, NULL, "portresctl", "restore", FILE_, NULL);
	EXPECT(&r, 6, err, FILE_ ":2: token must be 16 hex digits");
	EXPECT(&r, 6, err, FILE_ ":4: ");
	EXPECT(&r, 6, err, ": 2 unreadable lines not restored (named above)");
	portres_persistent_init(&p, IPPROTO_UDP, 29730, 1);
	CHECK_OK(portres_persistent_lookup(-1, &p));
	CHECK(p.token == 0x0123456789abcdefULL, "token %llx",
	      (unsigned long long)p.token);
	portres_persistent_init(&p, IPPROTO_UDP, 29732, 2);
	CHECK_OK(portres_persistent_lookup(-1, &p));
	CHECK(p.token == 0xfedcba9876543210ULL && p.allowed_uid == 1000,
	      "token %llx uid %u", (unsigned long long)p.token, p.allowed_uid);
	portres_persistent_init(&p, IPPROTO_UDP, 29734, 1);
	CHECK_ERR(portres_persistent_lookup(-1, &p), -ENOENT);
	return 0;
}

static int daemon_keeps_damaged_file(void)
{
	struct daemon d;
	char keep[256];

	persistent_cleanup_at_exit(29700, 29799);
	fresh_dir();
	write_text(FILE_, damaged);
	daemon_start(&d);
	CHECK_PASS(file_gets("# portres persistent reservations", true));
	CHECK_PASS(file_gets("udp 29730 1 0123456789abcdef - -\n", true));
	CHECK_PASS(file_gets("udp 29732 2 fedcba9876543210 1000 -\n", true));
	CHECK(entries_in_dir("reservations.conf.damaged-") == 1,
	      "no FILE.damaged-TIME: %s", daemon_log(&d));
	CHECK(strstr(daemon_log(&d), ":2: token must be 16 hex digits"),
	      "bad line not named: %s", daemon_log(&d));
	snprintf(keep, sizeof(keep), "the damaged file is kept as " FILE_ ".damaged-");
	CHECK(strstr(daemon_log(&d), keep), "log: %s", daemon_log(&d));
	CHECK_PASS(daemon_stop(&d));
	return 0;
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP_TEST(daemon_saves_every_change),
		TAP_TEST(restore_damaged_file),
		TAP_TEST(daemon_keeps_damaged_file),
	};

	return run_tests(tests, ARRAY_SIZE(tests));
}
