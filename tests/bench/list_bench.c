// SPDX-License-Identifier: GPL-2.0
/*
 * list_bench N ROUNDS: what listing the reservations costs, with N
 * persistent 1-port TCP reservations (ports 20000...) made here with the
 * raw ioctl and deleted at the end. Run as root in a guest booted with
 * -icount shift=0 (tests/bench/list.sh): rdtsc then counts the guest's
 * instructions, kernel and user. Per ROUNDS repetitions, the median of:
 *   dump     portres_list(): the generic netlink dump, parsed
 *   proc     portres_list_proc(): the /proc/net/port_reservations text, parsed
 *   show     `portresctl show` as a process (fork, exec, dump, print to /dev/null)
 *   who      `portresctl who 20000 tcp` as a process
 *   cat      `cat /proc/net/port_reservations` as a process (the text alone)
 * Prints one line per measurement: "list_bench N NAME MEDIAN MIN MAX".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/portres.h>
#include <portres/portres.h>

extern char **environ;

static int persistent(int fd, unsigned long cmd, unsigned int port)
{
	struct portres_persistent p = {
		.protocol = IPPROTO_TCP,
		.range = { .start_port = htons(port), .number_of_ports = 1 },
		.allowed_uid = PORTRES_ANY_ID,
		.allowed_gid = PORTRES_ANY_ID,
	};

	return ioctl(fd, cmd, &p) ? -errno : 0;
}

static uint64_t run(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	uint64_t t0, t1;
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	t0 = __rdtsc();
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) ||
	    waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "list_bench: %s failed\n", argv[0]);
		exit(1);
	}
	t1 = __rdtsc();
	posix_spawn_file_actions_destroy(&fa);
	return t1 - t0;
}

static uint64_t list(int proc, size_t want)
{
	struct portres_entry *l;
	uint64_t t0, t1;
	size_t n;
	int err;

	t0 = __rdtsc();
	err = proc ? portres_list_proc(&l, &n) : portres_list(&l, &n);
	t1 = __rdtsc();
	if (err || n != want) {
		fprintf(stderr, "list_bench: %s: %d, %zu entries (want %zu)\n",
			proc ? "portres_list_proc" : "portres_list", err, n, want);
		exit(1);
	}
	portres_list_free(l);
	return t1 - t0;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static char *show[] = { "portresctl", "show", NULL };
	static char *who[] = { "portresctl", "who", "20000", "tcp", NULL };
	static char *cat[] = { "cat", "/proc/net/port_reservations", NULL };
	static const char *const names[] = { "dump", "proc", "show", "who", "cat" };
	unsigned int n, rounds, i, r, m;
	uint64_t *t[5];
	int fd;

	if (argc != 3)
		return fprintf(stderr, "usage: list_bench N ROUNDS\n"), 2;
	n = atoi(argv[1]);
	rounds = atoi(argv[2]);
	fd = open("/dev/portres", O_RDWR);
	if (fd < 0 || !n || n > 40000 || !rounds)
		return perror("/dev/portres"), 2;
	for (i = 0; i < n; i++)
		if (persistent(fd, PORTRES_IOC_CREATE_PERSISTENT, 20000 + i))
			return fprintf(stderr, "create %u failed\n", 20000 + i), 1;
	for (m = 0; m < 5; m++)
		t[m] = calloc(rounds, sizeof(uint64_t));
	/* One warm-up round, then the counted ones, alternating. */
	for (r = 0; r <= rounds; r++) {
		uint64_t v[5] = { list(0, n), list(1, n), run(show), run(who), run(cat) };

		for (m = 0; r && m < 5; m++)
			t[m][r - 1] = v[m];
	}
	for (m = 0; m < 5; m++) {
		qsort(t[m], rounds, sizeof(uint64_t), cmp);
		printf("list_bench %u %s %llu %llu %llu\n", n, names[m],
		       (unsigned long long)t[m][rounds / 2],
		       (unsigned long long)t[m][0],
		       (unsigned long long)t[m][rounds - 1]);
	}
	for (i = 0; i < n; i++)
		persistent(fd, PORTRES_IOC_DELETE_PERSISTENT, 20000 + i);
	return 0;
}
