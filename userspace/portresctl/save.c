// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl save [FILE]: the persistent reservations, with their tokens,
 * into a file that restore reads back.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "portresctl.h"
#include "subcommands.h"

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
int save_to(const char *path, bool quiet)
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

static const struct option save_options[] = {
	OPTION_HELP,
	OPTION_END
};

int save_main(int argc, char *argv[])
{
	int opt, nops = 0;

	opt = next_option(argc, argv, save_options, &nops);
	if (opt != -1)
		return other_option(opt, argv);
	if (nops > 1)
		return usage_error("save", "unexpected argument '%s'", argv[2]);
	return save_to(nops ? argv[1] : DEFAULT_SAVE_FILE, false);
}
