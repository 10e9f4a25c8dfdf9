// SPDX-License-Identifier: GPL-2.0
/*
 * bindprobe tcp|udp PORT [TOKEN]: the two-boot test's probe. Binds a new
 * IPv4 socket to PORT (after associating it with the hexadecimal TOKEN, if
 * given) and prints "ok PORT" with the port it got, or the errno's name.
 * Exit status: 0 bound, 1 refused, 2 usage or set-up error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/portres.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct inet_port_reservation_token tok;
	socklen_t len = sizeof(sin);
	int udp, fd;

	if (argc < 3 || argc > 4 ||
	    (strcmp(argv[1], "tcp") && strcmp(argv[1], "udp"))) {
		fprintf(stderr, "usage: bindprobe tcp|udp PORT [TOKEN]\n");
		return 2;
	}
	udp = !strcmp(argv[1], "udp");
	fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0) {
		perror("socket");
		return 2;
	}
	if (argc == 4) {
		tok.token = strtoull(argv[3], NULL, 16);
		if (ioctl(fd, SIO_ASSOCIATE_PORT_RESERVATION, &tok)) {
			printf("associate %s\n", strerrorname_np(errno));
			return 1;
		}
	}
	sin.sin_port = htons(atoi(argv[2]));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	getsockname(fd, (struct sockaddr *)&sin, &len);
	printf("ok %u\n", ntohs(sin.sin_port));
	return 0;
}
