// SPDX-License-Identifier: GPL-2.0
/*
 * A program built against the installed libportres-dev with
 * $(pkg-config --cflags --libs portres): `probe --version` prints the
 * version it was compiled against (portres.pc's, passed as -D by the test)
 * and calls into libportres; without the module loaded, portres_open()
 * must say so (-ENOENT, "module not loaded").
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <portres/portres.h>

#ifndef PROBE_VERSION
#define PROBE_VERSION "unknown"
#endif

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2 || strcmp(argv[1], "--version")) {
		fprintf(stderr, "usage: probe --version\n");
		return 2;
	}
	printf("probe %s (%s)\n", PROBE_VERSION, portres_proto_name(IPPROTO_TCP));
	fd = portres_open();
	printf("portres_open: %d: %s\n", fd, fd < 0 ? portres_strerror(fd) : "open");
	return fd == -ENOENT && portres_module_missing(fd) ? 0 : 1;
}
