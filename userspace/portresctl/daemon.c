// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl daemon [--save FILE]: keeps FILE equal to the persistent
 * reservations, restoring it at start and whenever the module comes back,
 * and saving it after every persistent change the kernel announces.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "portresctl.h"
#include "subcommands.h"

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

static const struct option daemon_options[] = {
	{ "save", required_argument, NULL, OPT_SAVE },
	OPTION_HELP,
	OPTION_END
};

int daemon_main(int argc, char *argv[])
{
	const char *path = DEFAULT_SAVE_FILE;
	struct portres_event ev;
	bool damaged;
	int opt, nops = 0, fd, ret;

	while ((opt = next_option(argc, argv, daemon_options, &nops)) != -1) {
		if (opt == OPT_SAVE)
			path = optarg;
		else
			return other_option(opt, argv);
	}
	if (nops)
		return usage_error("daemon", "unexpected argument '%s'", argv[1]);
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
