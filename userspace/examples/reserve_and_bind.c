// SPDX-License-Identifier: GPL-2.0
/*
 * reserve_and_bind: the SIO_ACQUIRE_PORT_RESERVATION example of the Windows
 * documentation, on Linux with portres.
 *
 *   reserve_and_bind [family type protocol start count]
 *   reserve_and_bind 2 2 17 5000 20     AF_INET SOCK_DGRAM IPPROTO_UDP 5000-5019
 *   reserve_and_bind                    same as: 2 1 6 0 16 (any 16 TCP ports)
 *
 * It acquires a runtime reservation on one socket, shows that an outsider's
 * bind() to a reserved port gets EACCES, associates a second socket with the
 * reservation, binds it to port 0 and checks that the port it got is in the
 * block, releases the reservation and shows what stays and what opens up.
 * Every step is printed; the exit status is 0 only if every step behaved as
 * the portres contract says (2 if the module is not loaded).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/portres.h>

#define WINDOWS_AF_INET6	23	/* what the Windows example would pass */

static const char *family_name(int f)
{
	return f == AF_INET ? "AF_INET" : f == AF_INET6 ? "AF_INET6" : "?";
}

static const char *type_name(int t)
{
	return t == SOCK_STREAM ? "SOCK_STREAM" : t == SOCK_DGRAM ? "SOCK_DGRAM" : "?";
}

static const char *proto_name(int p)
{
	return p == IPPROTO_TCP ? "IPPROTO_TCP" : p == IPPROTO_UDP ? "IPPROTO_UDP" : "?";
}

static void usage(const char *argv0)
{
	printf("usage: %s [FAMILY TYPE PROTOCOL START COUNT]\n", argv0);
	printf("Acquires a runtime reservation of COUNT ports from START (0: any block)\n"
	       "on a new socket of that family, type and protocol (given as numbers),\n"
	       "then shows step by step what the reservation does. For instance\n");
	printf("  %s 2 2 17 5000 20\n"
	       "is UDP over IPv4 (AF_INET 2, SOCK_DGRAM 2, IPPROTO_UDP 17), ports 5000-5019.\n",
	       argv0);
	printf("AF_INET6 is 10 on Linux; 23, its Windows value, is accepted too.\n");
	printf("Without arguments: 2 1 6 0 16 (any block of 16 TCP ports).\n");
}

/* Parses a whole decimal number in [lo, hi]. */
static int parse_num(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < lo || *out > hi ? -1 : 0;
}

static void print_errno(const char *what, int err)
{
	printf("      %s failed: %s (errno %d)\n", what, strerror(err), err);
}

static int open_socket(int family, int type, int protocol, const char *role)
{
	int fd = socket(family, type, protocol);

	if (fd < 0)
		printf("socket() for %s failed: %s\n", role, strerror(errno));
	return fd;
}

static int bind_to(int fd, int family, uint16_t port)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
		sin.sin_port = htons(port);
		return bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_any;
	sin6.sin6_port = htons(port);
	return bind(fd, (struct sockaddr *)&sin6, sizeof(sin6));
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void show_reserved_ports_sysctl(void)
{
	char buf[512];
	ssize_t n;
	int fd = open("/proc/sys/net/ipv4/ip_local_reserved_ports", O_RDONLY);

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	printf("      net.ipv4.ip_local_reserved_ports = %s%s\n",
	       buf[0] ? buf : "(empty)", n == sizeof(buf) - 1 ? "..." : "");
}

/* An outsider socket binds to port: prints and returns 0 if want was met. */
static int outsider_bind(int family, int type, int protocol, uint16_t port,
			 int want)
{
	int fd = open_socket(family, type, protocol, "the outsider");
	int err;

	if (fd < 0)
		return -1;
	err = bind_to(fd, family, port) ? errno : 0;
	close(fd);
	if (err)
		printf("      outsider bind() to port %u: %s (%s)\n", port,
		       strerror(err), err == EACCES ? "EACCES" : "unexpected");
	else
		printf("      outsider bind() to port %u: succeeded\n", port);
	if (err != want) {
		printf("      UNEXPECTED: wanted %s\n",
		       want ? strerror(want) : "success");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct inet_port_reservation_instance res;
	struct inet_port_reservation_token tok;
	long family = AF_INET, type = SOCK_STREAM, protocol = IPPROTO_TCP;
	long start = 0, count = 16;
	int sock = -1, sock_res = -1, port, bad = 0;
	uint16_t first, last, probe;

	if (argc != 1 && argc != 6) {
		usage(argv[0]);
		return 1;
	}
	if (argc == 6) {
		if (parse_num(argv[1], 0, 255, &family) ||
		    parse_num(argv[2], 0, 255, &type) ||
		    parse_num(argv[3], 0, 255, &protocol)) {
			usage(argv[0]);
			return 1;
		}
		if (parse_num(argv[4], 0, 65535, &start)) {
			printf("START: a port number, 1 to 65535, or 0 for any block\n");
			return 1;
		}
		if (parse_num(argv[5], 0, 65535, &count)) {
			printf("COUNT: a number of ports, 0 to 65535\n");
			return 1;
		}
		if (family == WINDOWS_AF_INET6)
			family = AF_INET6;
	}

	printf("portres example: %s(%ld) %s(%ld) %s(%ld), ", family_name(family),
	       family, type_name(type), type, proto_name(protocol), protocol);
	if (start)
		printf("ports %ld-%ld\n", start, start + count - 1);
	else
		printf("any block of %ld ports\n", count);

	/* 1. The socket the reservation is acquired on. */
	sock = open_socket(family, type, protocol, "the reservation");
	if (sock < 0)
		return 1;
	printf("[1] socket() for the reservation succeeded\n");

	/* 2. Acquire. */
	memset(&res, 0, sizeof(res));
	res.reservation.start_port = htons((uint16_t)start);
	res.reservation.number_of_ports = (uint16_t)count;
	printf("[2] ioctl(SIO_ACQUIRE_PORT_RESERVATION)\n");
	printf("      requested: start port %ld%s, %ld ports\n", start,
	       start ? "" : " (any block)", count);
	if (ioctl(sock, SIO_ACQUIRE_PORT_RESERVATION, &res)) {
		int err = errno;

		if (err == ENOTTY) {
			printf("      portres module not loaded\n");
			close(sock);
			return 2;
		}
		print_errno("SIO_ACQUIRE_PORT_RESERVATION", err);
		close(sock);
		return 1;
	}
	first = ntohs(res.reservation.start_port);
	last = first + res.reservation.number_of_ports - 1;
	printf("      granted:   ports %u-%u (%u ports), token 0x%016" PRIx64 "\n",
	       first, last, res.reservation.number_of_ports,
	       (uint64_t)res.token.token);
	if (res.reservation.number_of_ports != count ||
	    (start && first != start) || !res.token.token) {
		printf("      UNEXPECTED: the grant does not match the request\n");
		bad = 1;
	}
	show_reserved_ports_sysctl();

	/* 3. Nobody else may bind to a reserved port. */
	printf("[3] a third, unassociated socket tries the reserved port %u\n",
	       first);
	if (outsider_bind(family, type, protocol, first, EACCES))
		bad = 1;

	/* 4. Associate the second socket with the reservation. */
	sock_res = open_socket(family, type, protocol, "the second socket");
	if (sock_res < 0) {
		close(sock);
		return 1;
	}
	printf("[4] second socket: ioctl(SIO_ASSOCIATE_PORT_RESERVATION)\n");
	tok = res.token;
	if (ioctl(sock_res, SIO_ASSOCIATE_PORT_RESERVATION, &tok)) {
		print_errno("SIO_ASSOCIATE_PORT_RESERVATION", errno);
		bad = 1;
		goto release;
	}
	printf("      succeeded\n");

	/* 5. bind() to port 0 takes a port from the block. */
	printf("[5] second socket: bind() to port 0\n");
	if (bind_to(sock_res, family, 0)) {
		print_errno("bind", errno);
		bad = 1;
		goto release;
	}
	port = bound_port(sock_res);
	printf("      succeeded; getsockname(): port number allocated = %d\n",
	       port);
	if (port < first || port > last) {
		printf("      UNEXPECTED: port %d is outside the block %u-%u\n",
		       port, first, last);
		bad = 1;
	} else {
		printf("      port %d is inside the reserved block %u-%u\n",
		       port, first, last);
	}

release:
	/* 6. Release. */
	printf("[6] ioctl(SIO_RELEASE_PORT_RESERVATION)\n");
	tok = res.token;
	if (ioctl(sock, SIO_RELEASE_PORT_RESERVATION, &tok)) {
		print_errno("SIO_RELEASE_PORT_RESERVATION", errno);
		bad = 1;
	} else {
		printf("      succeeded\n");
		show_reserved_ports_sysctl();
	}

	/* 7. What stays and what opens up. */
	port = bound_port(sock_res);
	printf("[7] after the release\n");
	if (port > 0)
		printf("      the second socket keeps port %d\n", port);
	probe = first;
	if (probe == port)
		probe = first < last ? first + 1 : 0;
	if (probe && outsider_bind(family, type, protocol, probe, 0))
		bad = 1;

	close(sock_res);
	close(sock);
	printf("%s\n", bad ? "FAILED: some step did not behave as expected"
			   : "done: every step behaved as expected");
	return bad;
}
