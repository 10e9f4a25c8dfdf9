// SPDX-License-Identifier: GPL-2.0
/*
 * portres_bench: side-by-side cost of portres on the socket paths, run as
 * root inside the QEMU guest of `make bench` (tests/bench/run.sh).
 *
 * Each round visits five configurations in turn, loading and unloading the
 * module itself (finit_module/delete_module) between them:
 *   A  module absent
 *   B  module loaded, no reservation
 *   C  loaded, 10,000 one-port runtime reservations outside the ephemeral
 *      range (10000, 10002, ..., 29998), held on one socket
 *   D  loaded, 10,000 one-port runtime reservations spread through
 *      ip_local_port_range (32768-60999, one every 2.8 ports)
 *   E  module absent, D's 10,000 ports written to ip_local_reserved_ports
 *      (the kernel's own mechanism alone: the native anchor for D)
 * and times, with CLOCK_MONOTONIC around loops of a fixed number of
 * iterations (calibrated in a warm-up round that is not counted; each
 * measurement in NCHUNK chunks, the fastest chunk being the round's figure):
 *   TCP bind(0)+close, UDP bind(0)+close, TCP connect+accept+close on
 *   loopback, UDP connect (autobind)+close                 (all configs)
 *   acquire+release of a specific 8-port block              (B, C, D)
 *   socket+associate+bind(0)+close in a 4,096-port block with 4,000 ports
 *   bound by associated sockets, and in an empty one          (B)
 *   wildcard acquire of 100 ports + release with 100, 1,000, 10,000
 *   one-port reservations (every second port from 32768 up)   (B)
 *   slab memory per reservation while C's and D's 10,000 are made.
 * The figure per configuration is the median over rounds of ns/op.
 * Output: progress lines, then the results as markdown between
 * "BENCH-MD-BEGIN" and "BENCH-MD-END" (tests/bench/run.sh puts it into
 * RESULTS.md).
 *
 *   portres_bench [-r rounds] [-t ms-per-measurement] [-s settle-ms]
 *                 [-k portres.ko]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/portres.h>

#define MAX_ROUNDS	64
#define NRESV		10000
#define PORT_LISTEN	9500		/* TCP listener for connect+accept */
#define PORT_UDP_PEER	9501		/* UDP connect destination */
#define PORT_ACQ	9400		/* acquire+release: 9400-9407 */
#define ACQ_N		8
#define BLK_FULL	1100		/* 1100-5195, 4,000 ports bound */
#define BLK_EMPTY	5200		/* 5200-9295 */
#define BLK_N		4096
#define BLK_BOUND	4000
#define C_FIRST		10000		/* C: 10000, 10002, ..., 29998 */
#define EPH_LO		32768		/* default ip_local_port_range */
#define EPH_HI		60999
#define WILD_FIRST	32768		/* wildcard set: every second port */
#define WILD_N		100

#define SYSCTL_RANGE	"/proc/sys/net/ipv4/ip_local_port_range"
#define SYSCTL_RESERVED	"/proc/sys/net/ipv4/ip_local_reserved_ports"

enum cfg { CA, CB, CC, CD, CE, NCFG };
static const char *const cfg_name[NCFG] = { "A", "B", "C", "D", "E" };
static const char *const cfg_desc[NCFG] = {
	"module absent",
	"module loaded, no reservation",
	"loaded, 10,000 runtime 1-port reservations outside the ephemeral range (10000-29998, every 2nd port)",
	"loaded, 10,000 runtime 1-port reservations spread through ip_local_port_range 32768-60999",
	"module absent, D's 10,000 ports set in ip_local_reserved_ports (native anchor for D)",
};

enum op {
	OP_TCP_BIND, OP_UDP_BIND, OP_TCP_CONN, OP_UDP_CONN,
	OP_ACQ_REL, OP_ASSOC_FULL, OP_ASSOC_EMPTY,
	OP_WILD_100, OP_WILD_1K, OP_WILD_10K,
	NOP
};
#define NCORE (OP_UDP_CONN + 1)
static const char *const op_name[NOP] = {
	"TCP bind(0)+close",
	"UDP bind(0)+close",
	"TCP connect+accept+close (loopback)",
	"UDP connect (autobind)+close",
	"acquire+release, specific 8-port block",
	"associate+bind(0)+close, 4,096-port block with 4,000 bound",
	"associate+bind(0)+close, empty 4,096-port block",
	"wildcard acquire 100 ports+release, 100 reservations",
	"wildcard acquire 100 ports+release, 1,000 reservations",
	"wildcard acquire 100 ports+release, 10,000 reservations",
};

static int rounds = 9;
static long target_ms = 250;
static long settle_ms = 300;
static const char *ko_path = "/portres.ko";

#define NCHUNK		8
static double res[NOP][NCFG][MAX_ROUNDS];	/* fastest chunk */
static double res_mean[NOP][NCFG][MAX_ROUNDS];	/* mean of the chunks */
static int nres[NOP][NCFG];
static long iters[NOP];
static int cur_round;		/* 0 = warm-up, not counted */

/* Memory per reservation while making C's / D's 10,000 (bytes). */
enum { MEM_OBJ, MEM_PAGES, MEM_MEMINFO, NMEM };
static double mem[NCFG][NMEM][MAX_ROUNDS];
static int nmem[NCFG];
static char mem_breakdown[2048];

static int listen_fd;
static uint16_t d_ports[NRESV];

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stdout, "BENCH-ERROR ");
	vfprintf(stdout, fmt, ap);
	fprintf(stdout, "\n");
	va_end(ap);
	fflush(stdout);
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ---- module and sysctl ---- */

static int module_loaded(void)
{
	struct stat st;

	return stat("/sys/module/portres", &st) == 0;
}

static void module_unload(void)
{
	int tries;

	for (tries = 0; module_loaded(); tries++) {
		if (!syscall(SYS_delete_module, "portres", O_NONBLOCK))
			return;
		if (errno == ENOENT)
			return;
		if (tries > 200)
			die("delete_module(portres): %s", strerror(errno));
		usleep(50000);
	}
}

static void module_load(void)
{
	int fd;

	if (module_loaded())
		return;
	fd = open(ko_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", ko_path, strerror(errno));
	if (syscall(SYS_finit_module, fd, "", 0))
		die("finit_module(%s): %s", ko_path, strerror(errno));
	close(fd);
}

/* Writes the whole string, in as many write() calls as the sysctl wants. */
static void sysctl_write(const char *path, const char *val)
{
	size_t len = strlen(val), off = 0;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, val + off, len - off);

		if (n <= 0)
			die("write %s: %s", path, n ? strerror(errno) : "short");
		off += n;
	}
	close(fd);
}

static void sysctl_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	n = read(fd, buf, size - 1);
	if (n < 0)
		die("read %s: %s", path, strerror(errno));
	buf[n] = 0;
	close(fd);
}

/* ---- sockets and ioctls ---- */

static struct sockaddr_in sin4(uint32_t addr, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(addr);
	a.sin_port = htons(port);
	return a;
}

static int xsocket(int type)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	return fd;
}

static void xbind(int fd, uint16_t port)
{
	struct sockaddr_in a = sin4(INADDR_ANY, port);

	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die("bind(%u): %s", port, strerror(errno));
}

static uint64_t xacquire(int fd, uint16_t start, uint16_t n, uint16_t *got)
{
	struct inet_port_reservation_instance r = {
		.reservation = { .start_port = htons(start),
				 .number_of_ports = n },
	};

	if (ioctl(fd, SIO_ACQUIRE_PORT_RESERVATION, &r))
		die("acquire(%u, %u): %s", start, n, strerror(errno));
	if (got)
		*got = ntohs(r.reservation.start_port);
	return r.token.token;
}

static void xrelease(int fd, uint64_t token)
{
	struct inet_port_reservation_token t = { .token = token };

	if (ioctl(fd, SIO_RELEASE_PORT_RESERVATION, &t))
		die("release: %s", strerror(errno));
}

static void xassociate(int fd, uint64_t token)
{
	struct inet_port_reservation_token t = { .token = token };

	if (ioctl(fd, SIO_ASSOCIATE_PORT_RESERVATION, &t))
		die("associate: %s", strerror(errno));
}

/* ---- the measured operations ---- */

struct ctx {
	int holder;
	uint64_t token;
};

static void run_tcp_bind(long n, struct ctx *c)
{
	(void)c;
	for (long i = 0; i < n; i++) {
		int fd = xsocket(SOCK_STREAM);

		xbind(fd, 0);
		close(fd);
	}
}

static void run_udp_bind(long n, struct ctx *c)
{
	(void)c;
	for (long i = 0; i < n; i++) {
		int fd = xsocket(SOCK_DGRAM);

		xbind(fd, 0);
		close(fd);
	}
}

static void run_tcp_conn(long n, struct ctx *c)
{
	struct sockaddr_in a = sin4(INADDR_LOOPBACK, PORT_LISTEN);
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	(void)c;
	for (long i = 0; i < n; i++) {
		int fd = xsocket(SOCK_STREAM), afd;

		if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
			die("connect: %s", strerror(errno));
		afd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (afd < 0)
			die("accept: %s", strerror(errno));
		/* RST: no TIME_WAIT piles up to eat the ephemeral range. */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(fd);
		close(afd);
	}
}

static void run_udp_conn(long n, struct ctx *c)
{
	struct sockaddr_in a = sin4(INADDR_LOOPBACK, PORT_UDP_PEER);

	(void)c;
	for (long i = 0; i < n; i++) {
		int fd = xsocket(SOCK_DGRAM);

		if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
			die("udp connect: %s", strerror(errno));
		close(fd);
	}
}

static void run_acq_rel(long n, struct ctx *c)
{
	for (long i = 0; i < n; i++)
		xrelease(c->holder, xacquire(c->holder, PORT_ACQ, ACQ_N, NULL));
}

static void run_assoc_bind(long n, struct ctx *c)
{
	for (long i = 0; i < n; i++) {
		int fd = xsocket(SOCK_STREAM);

		xassociate(fd, c->token);
		xbind(fd, 0);
		close(fd);
	}
}

static void run_wild(long n, struct ctx *c)
{
	for (long i = 0; i < n; i++)
		xrelease(c->holder, xacquire(c->holder, 0, WILD_N, NULL));
}

/*
 * Times @op: the first call (warm-up round) fixes the number of iterations
 * so that one measurement takes about target_ms.
 */
static void measure(enum op op, enum cfg cfg,
		    void (*fn)(long, struct ctx *), struct ctx *c)
{
	double t0, dt, best = 0, sum = 0;
	long n;
	int k;

	if (!iters[op]) {
		fn(8, c);	/* first-use costs out of the way */
		for (n = 4;; n *= 2) {
			t0 = now_ns();
			fn(n, c);
			dt = now_ns() - t0;
			if (dt > 50e6 || n >= 1 << 20)
				break;
		}
		n = (long)(n * (target_ms * 1e6) / dt);
		if (n < 20)
			n = 20;
		if (n > 20000)
			n = 20000;
		iters[op] = n;
	}
	n = iters[op];
	/* A short untimed run: caches and allocators warm in this config. */
	fn(n / 20 > 2 ? n / 20 : 2, c);
	/*
	 * NCHUNK equal chunks: the host's other load only ever adds time to
	 * an emulated guest, so the fastest chunk is the round's figure; the
	 * mean of all chunks is kept too.
	 */
	for (k = 0; k < NCHUNK; k++) {
		long m = (n + NCHUNK - 1) / NCHUNK;

		t0 = now_ns();
		fn(m, c);
		dt = (now_ns() - t0) / m;
		sum += dt;
		if (!k || dt < best)
			best = dt;
	}
	if (cur_round > 0) {
		res_mean[op][cfg][nres[op][cfg]] = sum / NCHUNK;
		res[op][cfg][nres[op][cfg]++] = best;
	}
	printf("  r%d %s %-58s %10.0f ns/op fastest chunk, %10.0f mean (n=%ld)\n",
	       cur_round, cfg_name[cfg], op_name[op], best, sum / NCHUNK, n);
	fflush(stdout);
}

/* ---- slab accounting ---- */

#define MAX_CACHES 512
struct slabsnap {
	double obj, pages, meminfo;
	int n;
	char name[MAX_CACHES][64];
	double bytes[MAX_CACHES];
};

static void slab_snap(struct slabsnap *s)
{
	char line[512];
	FILE *f = fopen("/proc/slabinfo", "re");

	memset(s, 0, sizeof(*s));
	if (!f)
		die("/proc/slabinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		unsigned long act, num, osz, per, pps, aslabs, nslabs;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %lu %lu %lu %lu %lu : tunables %*u %*u %*u : slabdata %lu %lu",
			   name, &act, &num, &osz, &per, &pps, &aslabs,
			   &nslabs) != 8)
			continue;
		s->obj += (double)act * osz;
		s->pages += (double)nslabs * pps * 4096;
		if (s->n < MAX_CACHES) {
			snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
			s->bytes[s->n++] = (double)act * osz;
		}
	}
	fclose(f);
	f = fopen("/proc/meminfo", "re");
	if (!f)
		die("/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long kb;

		if (sscanf(line, "Slab: %lu kB", &kb) == 1)
			s->meminfo = kb * 1024.0;
	}
	fclose(f);
}

static void slab_delta(enum cfg cfg, const struct slabsnap *a,
		       const struct slabsnap *b)
{
	int i, j, k;

	if (cur_round > 0) {
		mem[cfg][MEM_OBJ][nmem[cfg]] = (b->obj - a->obj) / NRESV;
		mem[cfg][MEM_PAGES][nmem[cfg]] = (b->pages - a->pages) / NRESV;
		mem[cfg][MEM_MEMINFO][nmem[cfg]] =
			(b->meminfo - a->meminfo) / NRESV;
		nmem[cfg]++;
	}
	printf("  r%d %s slab per reservation: objects %.1f B, slab pages %.1f B, meminfo Slab %.1f B\n",
	       cur_round, cfg_name[cfg], (b->obj - a->obj) / NRESV,
	       (b->pages - a->pages) / NRESV,
	       (b->meminfo - a->meminfo) / NRESV);
	if (cfg != CC)
		return;
	/* Which caches grew most. */
	double d[MAX_CACHES];
	int picked[MAX_CACHES] = { 0 };

	for (i = 0; i < b->n; i++) {
		d[i] = b->bytes[i];
		for (j = 0; j < a->n; j++)
			if (!strcmp(a->name[j], b->name[i])) {
				d[i] -= a->bytes[j];
				break;
			}
	}
	mem_breakdown[0] = 0;
	for (k = 0; k < 5; k++) {
		int bi = -1;

		for (i = 0; i < b->n; i++)
			if (!picked[i] && d[i] > 0 && (bi < 0 || d[i] > d[bi]))
				bi = i;
		if (bi < 0)
			break;
		picked[bi] = 1;
		snprintf(mem_breakdown + strlen(mem_breakdown),
			 sizeof(mem_breakdown) - strlen(mem_breakdown),
			 "%s`%s` +%.1f B", k ? ", " : "", b->name[bi],
			 d[bi] / NRESV);
	}
}

/* ---- configurations ---- */

static int make_reservations(enum cfg cfg)
{
	struct slabsnap *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	int holder = xsocket(SOCK_STREAM), i;

	if (!a || !b)
		die("out of memory");
	slab_snap(a);
	for (i = 0; i < NRESV; i++)
		xacquire(holder, cfg == CC ? C_FIRST + 2 * i : d_ports[i], 1,
			 NULL);
	slab_snap(b);
	slab_delta(cfg, a, b);
	free(a);
	free(b);
	return holder;
}

static void core_ops(enum cfg cfg)
{
	measure(OP_TCP_BIND, cfg, run_tcp_bind, NULL);
	measure(OP_UDP_BIND, cfg, run_udp_bind, NULL);
	measure(OP_TCP_CONN, cfg, run_tcp_conn, NULL);
	measure(OP_UDP_CONN, cfg, run_udp_conn, NULL);
}

static void acq_rel(enum cfg cfg)
{
	struct ctx c = { .holder = xsocket(SOCK_STREAM) };

	measure(OP_ACQ_REL, cfg, run_acq_rel, &c);
	close(c.holder);
}

static void assoc_ops(enum cfg cfg)
{
	static int fds[BLK_BOUND];
	uint16_t perm[BLK_N];
	struct ctx full, empty;
	unsigned int seed = 12345;
	int i;

	full.holder = empty.holder = xsocket(SOCK_STREAM);
	full.token = xacquire(full.holder, BLK_FULL, BLK_N, NULL);
	empty.token = xacquire(full.holder, BLK_EMPTY, BLK_N, NULL);
	/* 4,000 associated sockets on random ports: 96 free ones scattered. */
	for (i = 0; i < BLK_N; i++)
		perm[i] = i;
	for (i = BLK_N - 1; i > 0; i--) {
		int j = rand_r(&seed) % (i + 1);
		uint16_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < BLK_BOUND; i++) {
		fds[i] = xsocket(SOCK_STREAM);
		xassociate(fds[i], full.token);
		xbind(fds[i], BLK_FULL + perm[i]);
	}
	measure(OP_ASSOC_FULL, cfg, run_assoc_bind, &full);
	measure(OP_ASSOC_EMPTY, cfg, run_assoc_bind, &empty);
	for (i = 0; i < BLK_BOUND; i++)
		close(fds[i]);
	close(full.holder);
}

static void wild_ops(enum cfg cfg)
{
	static const int counts[] = { 100, 1000, 10000 };
	static const enum op ops[] = { OP_WILD_100, OP_WILD_1K, OP_WILD_10K };
	struct ctx c = { .holder = xsocket(SOCK_STREAM) };
	int held = 0, k;

	for (k = 0; k < 3; k++) {
		for (; held < counts[k]; held++)
			xacquire(c.holder, WILD_FIRST + 2 * held, 1, NULL);
		measure(ops[k], cfg, run_wild, &c);
	}
	close(c.holder);
}

/* D's ports as an ip_local_reserved_ports list. */
static char *d_ports_list(void)
{
	char *buf = malloc(NRESV * 7 + 2), *p = buf;
	int i;

	if (!buf)
		die("out of memory");
	for (i = 0; i < NRESV; i++)
		p += sprintf(p, "%s%u", i ? "," : "", d_ports[i]);
	strcpy(p, "\n");
	return buf;
}

static void check_no_reserved_bits(void)
{
	char buf[256];

	sysctl_read(SYSCTL_RESERVED, buf, sizeof(buf));
	if (buf[0] && buf[0] != '\n')
		die("ip_local_reserved_ports not empty: %.60s", buf);
}

static void run_config(enum cfg cfg, const char *dlist)
{
	int holder = -1;
	double t0 = now_ns();

	module_unload();
	if (cfg == CB || cfg == CC || cfg == CD)
		module_load();
	check_no_reserved_bits();
	if (cfg == CC || cfg == CD)
		holder = make_reservations(cfg);
	if (cfg == CE)
		sysctl_write(SYSCTL_RESERVED, dlist);
	printf(" r%d %s set-up %.2f s\n", cur_round, cfg_name[cfg],
	       (now_ns() - t0) / 1e9);
	/* Let RCU callbacks and workers of the set-up finish first. */
	usleep(settle_ms * 1000);
	core_ops(cfg);
	if (cfg == CB || cfg == CC || cfg == CD)
		acq_rel(cfg);
	if (cfg == CB) {
		assoc_ops(cfg);
		wild_ops(cfg);
	}
	if (holder >= 0)
		close(holder);
	if (cfg == CE)
		sysctl_write(SYSCTL_RESERVED, "\n");
}

/* ---- statistics and report ---- */

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double t[MAX_ROUNDS];

	if (n <= 0)
		return NAN;
	memcpy(t, v, n * sizeof(*v));
	qsort(t, n, sizeof(*t), dcmp);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Median absolute deviation, relative to the median (noise). */
static double rel_mad(const double *v, int n)
{
	double m = median(v, n), d[MAX_ROUNDS];
	int i;

	for (i = 0; i < n; i++)
		d[i] = fabs(v[i] - m);
	return median(d, n) / m;
}

static double med(enum op op, enum cfg cfg)
{
	return median(res[op][cfg], nres[op][cfg]);
}

/* Median over rounds of the per-round ratio x/y. */
static double round_ratio(enum op ox, enum cfg cx, enum op oy, enum cfg cy)
{
	double r[MAX_ROUNDS];
	int i, n = nres[ox][cx] < nres[oy][cy] ? nres[ox][cx] : nres[oy][cy];

	for (i = 0; i < n; i++)
		r[i] = res[ox][cx][i] / res[oy][cy][i];
	return median(r, n);
}

static const char *mark(int ok)
{
	return ok ? "**PASS**" : "**MISS**";
}

static void fmt_ns(char *buf, size_t size, double ns)
{
	if (isnan(ns))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.0f", ns);
}

static void report(void)
{
	static const enum cfg cols[] = { CA, CB, CC, CD, CE };
	char b[32];
	int i, k;

	printf("BENCH-MD-BEGIN\n");
	printf("Configurations (alternated in every round: A, B, C, D, E; the module is unloaded and, for B-D, loaded again before each):\n\n");
	for (k = 0; k < NCFG; k++)
		printf("- **%s**: %s\n", cfg_name[k], cfg_desc[k]);
	printf("\n%d counted rounds after one warm-up round. A measurement is a fixed number of iterations (last column) timed in %d equal chunks; the round's ns/op is its fastest chunk (the host's other load only ever adds time to an emulated guest), and each figure is the median of that over the rounds. The plain per-round means follow in a second table.\n\n",
	       rounds, NCHUNK);

	printf("### Socket paths, every configuration (ns/op, median)\n\n");
	printf("| operation | A | B | C | D | E | B/A | C/A | D/A | D/E | iterations |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < NCORE; i++) {
		printf("| %s", op_name[i]);
		for (k = 0; k < NCFG; k++) {
			fmt_ns(b, sizeof(b), med(i, cols[k]));
			printf(" | %s", b);
		}
		printf(" | %.3f | %.3f | %.3f | %.3f | %ld |\n",
		       med(i, CB) / med(i, CA), med(i, CC) / med(i, CA),
		       med(i, CD) / med(i, CA), med(i, CD) / med(i, CE),
		       iters[i]);
	}
	printf("\nThe same with each round's plain mean over all its iterations instead of its fastest chunk (more exposed to the host's load):\n\n");
	printf("| operation | A | B | C | D | E | B/A | C/A | D/A | D/E |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < NCORE; i++) {
		double m[NCFG];

		for (k = 0; k < NCFG; k++)
			m[k] = median(res_mean[i][k], nres[i][k]);
		printf("| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.3f | %.3f | %.3f | %.3f |\n",
		       op_name[i], m[CA], m[CB], m[CC], m[CD], m[CE],
		       m[CB] / m[CA], m[CC] / m[CA], m[CD] / m[CA],
		       m[CD] / m[CE]);
	}
	printf("\nNoise: median absolute deviation over rounds of the fastest-chunk figures, relative to the median:\n\n");
	printf("| operation | A | B | C | D | E |\n|---|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < NCORE; i++) {
		printf("| %s", op_name[i]);
		for (k = 0; k < NCFG; k++)
			printf(" | %.1f%%", 100 * rel_mad(res[i][k], nres[i][k]));
		printf(" |\n");
	}

	printf("\n### portres operations (ns/op, median)\n\n");
	printf("| operation | config | ns/op | noise (MAD) | iterations |\n|---|---|---:|---:|---:|\n");
	for (i = OP_ACQ_REL; i < NOP; i++)
		for (k = CB; k <= CD; k++) {
			if (!nres[i][k])
				continue;
			printf("| %s | %s | %.0f | %.1f%% | %ld |\n", op_name[i],
			       cfg_name[k], med(i, k),
			       100 * rel_mad(res[i][k], nres[i][k]), iters[i]);
		}
	printf("\nWildcard set-up: N one-port TCP reservations at 32768, 32770, ... (every second port from the bottom of ip_local_port_range 32768-60999, so the search meets them), module otherwise as in B.\n");

	printf("\n### Kernel memory per reservation (10,000 one-port runtime reservations, bytes each, median)\n\n");
	printf("| while making | /proc/slabinfo objects (active_objs x objsize) | /proc/slabinfo slab pages | /proc/meminfo Slab |\n|---|---:|---:|---:|\n");
	for (k = CC; k <= CD; k++)
		printf("| %s's 10,000 | %.1f | %.1f | %.1f |\n", cfg_name[k],
		       median(mem[k][MEM_OBJ], nmem[k]),
		       median(mem[k][MEM_PAGES], nmem[k]),
		       median(mem[k][MEM_MEMINFO], nmem[k]));
	printf("\nCaches that grew most (C, last round): %s.\n", mem_breakdown);

	printf("\n### Targets (issue 6)\n\n");
	printf("Ratios are of the medians; in brackets the median of the per-round ratios (each round's configurations ran back to back). \"within noise\": the ratio differs from 1 by less than twice the combined relative MAD of the two configurations, so this run cannot tell it from 1.\n\n");
	printf("| target | figure | result |\n|---|---|---|\n");
	for (k = CB; k <= CD; k++)
		for (i = 0; i <= OP_TCP_CONN; i++) {
			double r = med(i, k) / med(i, CA);
			double lim = k == CB ? 1.03 : 1.05;
			/* Relative noise of the ratio, from both MADs. */
			double nz = hypot(rel_mad(res[i][CA], nres[i][CA]),
					  rel_mad(res[i][k], nres[i][k]));

			printf("| %s, %s (%s/A) <= %.2f | %.3f (%.3f) | %s%s (noise +-%.0f%%) |\n",
			       op_name[i], k == CB ? "loaded, no reservation" :
			       "10,000 reservations", cfg_name[k], lim, r,
			       round_ratio(i, k, i, CA), mark(r <= lim),
			       fabs(r - 1) <= 2 * nz ? ", within noise" : "",
			       100 * nz);
		}
	{
		double r = med(OP_ACQ_REL, CB) / med(OP_TCP_BIND, CB);

		printf("| acquire+release <= 2 x TCP bind(0)+close (B) | %.0f / %.0f ns = %.2f (%.2f) | %s |\n",
		       med(OP_ACQ_REL, CB), med(OP_TCP_BIND, CB), r,
		       round_ratio(OP_ACQ_REL, CB, OP_TCP_BIND, CB),
		       mark(r <= 2));
		r = med(OP_ASSOC_FULL, CB) / med(OP_ASSOC_EMPTY, CB);
		printf("| associated bind(0), block 4,000/4,096 bound <= 2 x empty block | %.0f / %.0f ns = %.2f (%.2f) | %s |\n",
		       med(OP_ASSOC_FULL, CB), med(OP_ASSOC_EMPTY, CB), r,
		       round_ratio(OP_ASSOC_FULL, CB, OP_ASSOC_EMPTY, CB),
		       mark(r <= 2));
		r = med(OP_WILD_10K, CB) / med(OP_WILD_100, CB);
		printf("| wildcard acquire: growth 100 -> 10,000 reservations at most logarithmic, i.e. t(10,000)/t(100) <= log(10^4)/log(10^2) = 2 | %.0f -> %.0f -> %.0f ns (100, 1,000, 10,000): x%.2f (%.2f) | %s |\n",
		       med(OP_WILD_100, CB), med(OP_WILD_1K, CB),
		       med(OP_WILD_10K, CB), r,
		       round_ratio(OP_WILD_10K, CB, OP_WILD_100, CB),
		       mark(r <= 2));
		r = median(mem[CC][MEM_OBJ], nmem[CC]);
		printf("| <= 256 bytes of kernel memory per reservation | %.1f B (slab objects, C; slab pages %.1f B) | %s |\n",
		       r, median(mem[CC][MEM_PAGES], nmem[CC]), mark(r <= 256));
	}
	printf("BENCH-MD-END\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 65536, 65536 };
	struct sockaddr_in a;
	char *dlist;
	double t0 = now_ns();
	int opt, udp_peer, i, k;

	while ((opt = getopt(argc, argv, "r:t:s:k:")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 't':
			target_ms = atol(optarg);
			break;
		case 's':
			settle_ms = atol(optarg);
			break;
		case 'k':
			ko_path = optarg;
			break;
		default:
			die("usage: portres_bench [-r rounds] [-t ms] [-s settle-ms] [-k ko]");
		}
	}
	if (rounds < 1 || rounds >= MAX_ROUNDS)
		die("rounds must be 1..%d", MAX_ROUNDS - 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(NOFILE): %s", strerror(errno));
	sysctl_write(SYSCTL_RANGE, "32768 60999\n");
	for (i = 0; i < NRESV; i++)
		d_ports[i] = EPH_LO + (uint32_t)i * (EPH_HI - EPH_LO + 1) / NRESV;
	dlist = d_ports_list();

	listen_fd = xsocket(SOCK_STREAM);
	a = sin4(INADDR_LOOPBACK, PORT_LISTEN);
	if (bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(listen_fd, 1024))
		die("listener: %s", strerror(errno));
	udp_peer = xsocket(SOCK_DGRAM);
	a = sin4(INADDR_LOOPBACK, PORT_UDP_PEER);
	if (bind(udp_peer, (struct sockaddr *)&a, sizeof(a)))
		die("udp peer: %s", strerror(errno));

	printf("BENCH-START rounds=%d target_ms=%ld\n", rounds, target_ms);
	for (cur_round = 0; cur_round <= rounds; cur_round++) {
		double r0 = now_ns();

		for (k = 0; k < NCFG; k++)
			run_config(k, dlist);
		printf("BENCH-ROUND %d %.1f s (total %.1f s)\n", cur_round,
		       (now_ns() - r0) / 1e9, (now_ns() - t0) / 1e9);
	}
	module_unload();
	report();
	printf("BENCH-DONE %.1f s\n", (now_ns() - t0) / 1e9);
	close(listen_fd);
	close(udp_peer);
	free(dlist);
	return 0;
}
