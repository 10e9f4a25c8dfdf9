// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl daemon --save FILE: restores FILE, then rewrites it after
 * every persistent reservation made or deleted (here with the raw
 * /dev/portres ioctls), never for runtime ones, for an unload or a
 * namespace's end; restore and the daemon with a damaged file: every
 * readable line restored, every bad one named, exit status 6, and the
 * daemon keeps the damaged file aside.
 */
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "portres_test.h"
#include "libportres_util.h"

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

static void daemon_start(struct bg_prog *d)
{
	bg_start(d, 2, "portresctl", "daemon", "--save", FILE_, NULL);
}

/* SIGTERM ends it: it did not end by itself before. */
static void daemon_stop(struct __test_metadata *_metadata, struct bg_prog *d)
{
	int status = bg_stop(d);

	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)
		TH_LOG("daemon ended by itself (status %#x): %s", status,
		       bg_output(d));
}

/* Until FILE_ has (want) or has not (!want) the line: up to 10 s. */
static void file_gets(struct __test_metadata *_metadata, const char *line,
		      bool want)
{
	for (int i = 0; i < 100; i++) {
		const char *t = read_text(FILE_);

		if (t && !!strstr(t, line) == want)
			return;
		usleep(100 * 1000);
	}
	ASSERT_TRUE(0) TH_LOG("%s never %s '%s': '%s'", FILE_,
			      want ? "got" : "lost", line,
			      read_text(FILE_) ?: "(no file)");
}

/*
 * FILE_'s inode once it has kept it for QUIET_MS (scaled): the daemon may
 * still be writing for events that came before (on a slow kernel a save
 * for an earlier event can land after the content was already right).
 */
#define QUIET_MS	1000

static ino_t settled_ino(struct __test_metadata *_metadata)
{
	struct stat a, b;
	int i;

	ASSERT_OK(stat(FILE_, &a) ? -errno : 0);
	for (i = 0; i < 20; i++) {
		usleep(portres_timeout(1) * QUIET_MS * 1000);
		ASSERT_OK(stat(FILE_, &b) ? -errno : 0);
		if (a.st_ino == b.st_ino)
			return b.st_ino;
		a = b;
	}
	ASSERT_TRUE(0) TH_LOG("%s is rewritten again and again", FILE_);
	return 0;
}

FIXTURE(daemon) {};

FIXTURE_SETUP(daemon)
{
	portres_setup(_metadata, PORTRES_NETNS);
	fresh_dir();
}

FIXTURE_TEARDOWN_PARENT(daemon)
{
	portres_teardown(_metadata);
}

TEST_F(daemon, saves_every_change)
{
	struct inet_port_reservation_instance inst;
	struct bg_prog d;
	char line[128];
	uint64_t tok;
	struct stat after;
	ino_t ino;
	int s;

	write_text(FILE_, "# saved before\nudp 29700 2 00000000000029a1 - 100\n");
	daemon_start(&d);
	/* Restored, then saved in its own format. */
	file_gets(_metadata, "# portres persistent reservations", true);
	file_gets(_metadata, "udp 29700 2 00000000000029a1 - 100\n", true);

	ASSERT_OK(raw(PORTRES_IOC_CREATE_PERSISTENT, IPPROTO_TCP, 29710, 3, &tok));
	snprintf(line, sizeof(line), "tcp 29710 3 %016llx - 100\n",
		 (unsigned long long)tok);
	file_gets(_metadata, line, true);
	ASSERT_OK(raw(PORTRES_IOC_DELETE_PERSISTENT, IPPROTO_UDP, 29700, 2, NULL));
	file_gets(_metadata, "udp 29700", false);
	file_gets(_metadata, line, true);

	/* A runtime reservation is not saved, and the file is not rewritten. */
	ino = settled_ino(_metadata);
	s = xsock(AF_INET, IPPROTO_TCP);
	ASSERT_OK(portres_acquire(s, 29720, 1, &inst));
	close(s);
	usleep(portres_timeout(1) * 500 * 1000);
	ASSERT_OK(stat(FILE_, &after) ? -errno : 0);
	ASSERT_EQ(ino, after.st_ino)
		TH_LOG("file rewritten for a runtime reservation");
	ASSERT_EQ(0, entries_in_dir("reservations.conf.tmp"))
		TH_LOG("a temporary file is left");
	daemon_stop(_metadata, &d);
	ASSERT_OK(raw(PORTRES_IOC_DELETE_PERSISTENT, IPPROTO_TCP, 29710, 3, NULL));
}

static const char damaged[] =
	"udp 29730 1 0123456789abcdef - -\n"
	"tcp 29731 1 zz - -\n"
	"udp 29732 2 fedcba9876543210 1000 -\n"
	"udp 29734 1 01234567";		/* cut off */

TEST_F(daemon, restore_damaged_file)
{
	struct prog_result r;
	struct portres_persistent p;

	write_text(FILE_, damaged);
	run_prog(&r, AS_ROOT, NULL, "portresctl", "restore", FILE_, NULL);
	ASSERT_PROG(&r, 6, err, FILE_ ":2: token must be 16 hex digits");
	ASSERT_PROG(&r, 6, err, FILE_ ":4: ");
	ASSERT_PROG(&r, 6, err, ": 2 unreadable lines not restored (named above)");
	portres_persistent_init(&p, IPPROTO_UDP, 29730, 1);
	ASSERT_OK(portres_persistent_lookup(-1, &p));
	ASSERT_EQ(0x0123456789abcdefULL, p.token);
	portres_persistent_init(&p, IPPROTO_UDP, 29732, 2);
	ASSERT_OK(portres_persistent_lookup(-1, &p));
	ASSERT_EQ(0xfedcba9876543210ULL, p.token);
	ASSERT_EQ(1000, p.allowed_uid);
	portres_persistent_init(&p, IPPROTO_UDP, 29734, 1);
	ASSERT_ERRNO(portres_persistent_lookup(-1, &p), -ENOENT);
}

TEST_F(daemon, keeps_damaged_file)
{
	struct bg_prog d;
	char keep[256];

	write_text(FILE_, damaged);
	daemon_start(&d);
	file_gets(_metadata, "# portres persistent reservations", true);
	file_gets(_metadata, "udp 29730 1 0123456789abcdef - -\n", true);
	file_gets(_metadata, "udp 29732 2 fedcba9876543210 1000 -\n", true);
	ASSERT_EQ(1, entries_in_dir("reservations.conf.damaged-"))
		TH_LOG("no FILE.damaged-TIME: %s", bg_output(&d));
	ASSERT_NE(NULL, strstr(bg_output(&d), ":2: token must be 16 hex digits"))
		TH_LOG("bad line not named: %s", bg_output(&d));
	snprintf(keep, sizeof(keep), "the damaged file is kept as " FILE_ ".damaged-");
	ASSERT_NE(NULL, strstr(bg_output(&d), keep)) TH_LOG("log: %s", bg_output(&d));
	daemon_stop(_metadata, &d);
}

TEST_HARNESS_MAIN
