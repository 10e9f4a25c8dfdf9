// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl save and restore: persistent reservations to and from a file.
 *
 * File format: one reservation per line,
 *   PROTO START COUNT TOKEN ALLOWED_UID ALLOWED_GID
 * PROTO tcp|udp, START and COUNT decimal, TOKEN 16 hex digits, the ids
 * decimal or "-" for anyone. '#' starts a comment; blank lines are ignored.
 *
 * The file is replaced atomically and durably: a temporary file in the
 * same directory, fsync, rename, fsync of the directory. portresctl
 * daemon rewrites it after every persistent change the kernel announces.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "portresctl.h"

struct saved {
	struct portres_persistent p;
	int line;
};

static int write_file(const char *path, const struct portres_entry *l, size_t n,
		      size_t *written)
{
	char tmp[4096], ub[16], gb[16];
	FILE *f = stdout;
	size_t i;
	int fd = -1;
	bool to_stdout = !strcmp(path, "-");

	if (!to_stdout) {
		if (!strcmp(path, DEFAULT_SAVE_FILE))
			mkdir("/etc/portres", 0755);	/* first save */
		/* Write aside and rename: a crash never leaves half a file. */
		if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp))
			return -ENAMETOOLONG;
		fd = mkstemp(tmp);
		if (fd < 0)
			return -errno;
		fchmod(fd, 0644);
		f = fdopen(fd, "w");
		if (!f) {
			int err = -errno;

			close(fd);
			unlink(tmp);
			return err;
		}
	}
	fprintf(f, "# portres persistent reservations: portresctl save / restore\n"
		   "# proto start count token allowed_uid allowed_gid (- = anyone)\n");
	*written = 0;
	for (i = 0; i < n; i++) {
		const struct portres_entry *e = &l[i];

		if (!e->persistent)
			continue;
		fprintf(f, "%s %u %u %016llx %s %s\n",
			portres_proto_name(e->protocol), e->first, e->count,
			(unsigned long long)e->token,
			id_str(e->allowed_uid, ub, sizeof(ub)),
			id_str(e->allowed_gid, gb, sizeof(gb)));
		(*written)++;
	}
	if (to_stdout)
		return fflush(f) ? -errno : 0;
	if (fflush(f) || fsync(fd) || ferror(f)) {
		int err = -errno;

		fclose(f);
		unlink(tmp);
		return err ? err : -EIO;
	}
	if (fclose(f)) {
		unlink(tmp);
		return -errno;
	}
	if (rename(tmp, path)) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	/* The rename itself must reach the disk: fsync the directory. */
	snprintf(tmp, sizeof(tmp), "%s", path);
	fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd)) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

/* Writes the persistent reservations to path; an exit code. */
static int save_to(const char *path, bool quiet)
{
	struct portres_entry *l;
	size_t n, i, written;
	int ret, admin = -1;

	ret = portres_list(&l, &n);
	if (ret)
		return report("save", ret);
	/* The kernel shows tokens only to CAP_NET_ADMIN: the listing says. */
	for (i = 0; i < n; i++)
		admin = l[i].token_visible;
	if (admin < 0)
		admin = have_cap_net_admin();
	if (!admin) {
		portres_list_free(l);
		fprintf(stderr, "portresctl: save: needs CAP_NET_ADMIN: tokens in %s are shown only to it (run as root)\n",
			PORTRES_PROC_PATH);
		return EXIT_PERM;
	}
	ret = write_file(path, l, n, &written);
	portres_list_free(l);
	if (ret) {
		fprintf(stderr, "portresctl: save: %s: %s\n", path, strerror(-ret));
		return EXIT_FILE;
	}
	if (strcmp(path, "-") && !quiet)
		fprintf(stderr, "saved %zu persistent reservation%s to %s\n",
			written, written == 1 ? "" : "s", path);
	return EXIT_OK;
}

int cmd_save(int argc, char **argv)
{
	if (argc > 2)
		return usage_error("save", "unexpected argument '%s'", argv[2]);
	if (argc > 1 && argv[1][0] == '-' && argv[1][1])
		return usage_error("save", "unknown option '%s'", argv[1]);
	return save_to(argc > 1 ? argv[1] : DEFAULT_SAVE_FILE, false);
}

/* One line of the file into s; 0, 1 for nothing (comment), or -1. */
static int parse_saved(char *line, struct saved *s, const char **why)
{
	char *f[7], *save = NULL, *tok, *end;
	unsigned long v[2];
	int n = 0, i, proto;
	uint32_t ids[2];

	line[strcspn(line, "#")] = '\0';
	for (tok = strtok_r(line, " \t\r\n", &save); tok && n < 7;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		f[n++] = tok;
	if (!n)
		return 1;
	if (n != 6) {
		*why = "expected 6 fields: proto start count token allowed_uid allowed_gid";
		return -1;
	}
	proto = portres_proto_parse(f[0]);
	if (!proto) {
		*why = "protocol must be tcp or udp";
		return -1;
	}
	for (i = 0; i < 2; i++) {
		errno = 0;
		v[i] = strtoul(f[1 + i], &end, 10);
		if (f[1 + i][0] < '0' || f[1 + i][0] > '9' || *end || errno ||
		    v[i] < 1 || v[i] > 65535) {
			*why = i ? "bad port count (1-65535)" : "bad start port (1-65535)";
			return -1;
		}
	}
	if (v[0] + v[1] - 1 > 65535) {
		*why = "block goes past port 65535";
		return -1;
	}
	portres_persistent_init(&s->p, proto, v[0], v[1]);
	errno = 0;
	s->p.token = strtoull(f[3], &end, 16);
	if (strlen(f[3]) != 16 || *end || errno || !s->p.token ||
	    strchr(f[3], '-') || strchr(f[3], '+') || strchr(f[3], 'x') ||
	    strchr(f[3], 'X')) {
		*why = "token must be 16 hex digits, not all zero";
		return -1;
	}
	for (i = 0; i < 2; i++) {
		const char *a = f[4 + i];
		unsigned long id;

		if (!strcmp(a, "-")) {
			ids[i] = PORTRES_ANY_ID;
			continue;
		}
		errno = 0;
		id = strtoul(a, &end, 10);
		if (a[0] < '0' || a[0] > '9' || *end || errno ||
		    id >= PORTRES_ANY_ID) {
			*why = i ? "bad allowed gid (number or -)" :
				   "bad allowed uid (number or -)";
			return -1;
		}
		ids[i] = id;
	}
	s->p.allowed_uid = ids[0];
	s->p.allowed_gid = ids[1];
	s->p.flags = PORTRES_F_GIVEN_TOKEN;
	return 0;
}

/*
 * Every readable line of path into *out; each unreadable one is named on
 * stderr and counted in *bad. EXIT_FILE if the file cannot be read at all.
 */
static int read_file(const char *path, struct saved **out, size_t *n,
		     int *bad_lines)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char *line = NULL;
	size_t size = 0, len = 0;
	struct saved *v = NULL, *bigger, s;
	int lineno = 0, bad = 0;

	if (!f) {
		fprintf(stderr, "portresctl: restore: %s: %s\n", path,
			strerror(errno));
		return EXIT_FILE;
	}
	while (getline(&line, &size, f) >= 0) {
		const char *why = NULL;
		int r;

		lineno++;
		r = parse_saved(line, &s, &why);
		if (r < 0) {
			fprintf(stderr, "portresctl: restore: %s:%d: %s\n", path,
				lineno, why);
			bad++;
			continue;
		}
		if (r > 0)
			continue;
		s.line = lineno;
		bigger = realloc(v, (len + 1) * sizeof(*v));
		if (!bigger) {
			bad++;
			break;
		}
		v = bigger;
		v[len++] = s;
	}
	if (ferror(f)) {
		fprintf(stderr, "portresctl: restore: %s: read error\n", path);
		bad++;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	*out = v;
	*n = len;
	*bad_lines = bad;
	return 0;
}

/*
 * Restores every readable reservation of path. A damaged file: the good
 * lines are restored, the bad ones named, and the exit code is EXIT_FILE
 * (*damaged set); otherwise EXIT_FAIL if some create failed.
 */
static int restore_from(const char *path, bool *damaged)
{
	struct saved *v = NULL;
	size_t n = 0, i, done = 0, skipped = 0, failed = 0;
	int ret, fd, bad = 0;

	*damaged = false;
	ret = read_file(path, &v, &n, &bad);
	if (ret)
		return ret;
	*damaged = bad;
	if (bad)
		fprintf(stderr, "portresctl: restore: %s: %d unreadable line%s not restored (named above)\n",
			path, bad, bad == 1 ? "" : "s");
	fd = portres_open();
	if (fd < 0) {
		free(v);
		ret = report("restore", fd);
		return bad ? EXIT_FILE : ret;
	}
	for (i = 0; i < n; i++) {
		struct portres_persistent p = v[i].p, cur = v[i].p;
		uint16_t first = ntohs(p.range.start_port);
		char what[128];
		const char *msg;
		int err;

		snprintf(what, sizeof(what), "restore: %s:%d: %s %u-%u", path,
			 v[i].line, portres_proto_name(p.protocol), first,
			 first + p.range.number_of_ports - 1);
		err = portres_persistent_create(fd, &p);
		if (!err) {
			done++;
			continue;
		}
		msg = portres_strerror(err);	/* before the lookup below */
		if (err == -EPERM) {	/* so will every other line be */
			ret = report(what, err);
			break;
		}
		/* Restored already (a second run, or the boot restored it)? */
		if ((err == -EEXIST || err == -EADDRINUSE) &&
		    !portres_persistent_lookup(fd, &cur) && cur.token == p.token &&
		    cur.allowed_uid == p.allowed_uid &&
		    cur.allowed_gid == p.allowed_gid) {
			skipped++;
			continue;
		}
		fprintf(stderr, "portresctl: %s: %s\n", what, msg);
		failed++;
	}
	close(fd);
	free(v);
	if (ret)
		return bad ? EXIT_FILE : ret;
	fprintf(stderr, "restored %zu, already present %zu, failed %zu\n", done,
		skipped, failed);
	return bad ? EXIT_FILE : failed ? EXIT_FAIL : EXIT_OK;
}

int cmd_restore(int argc, char **argv)
{
	bool damaged;

	if (argc > 2)
		return usage_error("restore", "unexpected argument '%s'", argv[2]);
	if (argc > 1 && argv[1][0] == '-' && argv[1][1])
		return usage_error("restore", "unknown option '%s'", argv[1]);
	return restore_from(argc > 1 ? argv[1] : DEFAULT_SAVE_FILE, &damaged);
}

/* ---- daemon ---- */

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void notify_systemd(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract namespace */
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	close(fd);
}

/*
 * A damaged file is kept beside the new one (FILE.damaged-TIME) before
 * the first save replaces it: its unreadable lines are not lost.
 */
static void keep_damaged(const char *path)
{
	char keep[4096];

	snprintf(keep, sizeof(keep), "%s.damaged-%lld", path,
		 (long long)time(NULL));
	if (link(path, keep))
		fprintf(stderr, "portresctl: daemon: cannot keep a copy of the damaged %s as %s: %s\n",
			path, keep, strerror(errno));
	else
		fprintf(stderr, "portresctl: daemon: the damaged file is kept as %s\n",
			keep);
}

/* Restore (if the file exists), then save: what start and a reload do. */
static int daemon_restore_save(const char *path)
{
	bool damaged = false;
	int ret;

	if (!access(path, F_OK)) {
		restore_from(path, &damaged);
		if (damaged)
			keep_damaged(path);
	}
	ret = save_to(path, true);
	return ret ? ret : damaged ? EXIT_FILE : EXIT_OK;
}

int cmd_daemon(int argc, char **argv)
{
	const char *path = DEFAULT_SAVE_FILE;
	struct portres_event ev;
	bool damaged;
	int i, fd, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--save") && i + 1 < argc)
			path = argv[++i];
		else if (!strncmp(argv[i], "--save=", 7))
			path = argv[i] + 7;
		else
			return usage_error("daemon", "unexpected argument '%s'",
					   argv[i]);
	}
	/* Listen first: no change between the save and the first event is lost. */
	fd = portres_monitor_open();
	if (fd < 0)
		return report("daemon", fd);
	ret = daemon_restore_save(path);
	damaged = ret == EXIT_FILE;
	if (ret && !damaged) {
		close(fd);
		return ret;
	}
	fprintf(stderr, "portresctl: daemon: saving persistent reservations to %s after every change\n",
		path);
	notify_systemd(damaged ? "READY=1\nSTATUS=restored a damaged file (see the log)" :
			       "READY=1\nSTATUS=saving after every change");
	for (;;) {
		bool save = false;

		ret = portres_monitor_read(fd, &ev);
		if (ret == -EINTR)
			continue;
		if (ret == -ENOBUFS) {
			/* Some notifications were lost: the dump is the truth. */
			save = true;
		} else if (ret < 0) {
			close(fd);
			return report("daemon", ret);
		} else if (ret == PORTRES_EVENT_LOADED) {
			/* The module came back without them: bring them back. */
			daemon_restore_save(path);
		} else if ((ret == PORTRES_EVENT_NEW || ret == PORTRES_EVENT_DEL) &&
			   ev.entry.persistent) {
			/*
			 * An unload or a namespace's end is no deletion: the
			 * file keeps them for the next load or boot.
			 */
			save = ret == PORTRES_EVENT_NEW ||
			       ev.reason == PORTRES_REASON_DELETE;
		}
		if (save && save_to(path, true) != EXIT_OK)
			fprintf(stderr, "portresctl: daemon: %s not updated\n", path);
	}
}
