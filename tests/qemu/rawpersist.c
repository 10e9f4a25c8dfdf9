// SPDX-License-Identifier: GPL-2.0
/*
 * rawpersist create tcp|udp START COUNT UID|- GID|-
 * rawpersist delete tcp|udp START COUNT
 * The hard-kill test's client: makes or deletes one persistent reservation
 * with the raw /dev/portres ioctl, as any administrator's program could,
 * without portresctl or libportres. create prints the new token (16 hex
 * digits). Exit status: 0 done, 1 the kernel refused (errno's name printed),
 * 2 usage or set-up error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/portres.h>

static __u32 id(const char *s)
{
	return strcmp(s, "-") ? (__u32)strtoul(s, NULL, 10) : PORTRES_ANY_ID;
}

int main(int argc, char **argv)
{
	struct portres_persistent p = { 0 };
	int create, fd;

	create = argc == 7 && !strcmp(argv[1], "create");
	if ((!create && (argc != 5 || strcmp(argv[1], "delete"))) ||
	    (strcmp(argv[2], "tcp") && strcmp(argv[2], "udp"))) {
		fprintf(stderr, "usage: rawpersist create tcp|udp START COUNT UID|- GID|-\n"
				"       rawpersist delete tcp|udp START COUNT\n");
		return 2;
	}
	p.protocol = strcmp(argv[2], "tcp") ? IPPROTO_UDP : IPPROTO_TCP;
	p.range.start_port = htons(atoi(argv[3]));
	p.range.number_of_ports = atoi(argv[4]);
	p.allowed_uid = create ? id(argv[5]) : PORTRES_ANY_ID;
	p.allowed_gid = create ? id(argv[6]) : PORTRES_ANY_ID;
	fd = open("/dev/portres", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("/dev/portres");
		return 2;
	}
	if (ioctl(fd, create ? PORTRES_IOC_CREATE_PERSISTENT :
			       PORTRES_IOC_DELETE_PERSISTENT, &p)) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	close(fd);
	if (create)
		printf("%016llx\n", (unsigned long long)p.token);
	return 0;
}
