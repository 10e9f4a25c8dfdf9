// SPDX-License-Identifier: GPL-2.0
/*
 * portres_bench: what portres costs on the socket paths, run as root inside
 * the QEMU guest of `make bench` (tests/bench/run.sh).
 *
 * Two modes:
 *  -i  instruction counting: QEMU runs with -icount shift=0 and one vCPU,
 *      so the guest's TSC advances by exactly one per guest instruction;
 *      every figure is read with rdtsc and is a number of instructions
 *      (kernel and user, interrupts included). The full bench.
 *  (default) wall clock: CLOCK_MONOTONIC in ns, plain TCG; only the loops
 *      of the A-E table (a secondary, noisy figure).
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
 * and measures, with a fixed number of iterations per measurement:
 *   loops (mean per iteration): TCP and UDP socket+bind(0)+close,
 *     socket+close, TCP connect+accept+close on loopback, UDP
 *     socket+connect(autobind)+close, ioctl(FIONREAD) on TCP/UDP x v4/v6
 *   single calls (each timed alone, median): socket(), bind(0), close of a
 *     bound and of an unbound socket (TCP, UDP), TCP connect(), UDP
 *     connect() (autobind), ioctl(FIONREAD) (TCP/UDP x v4/v6)
 *   portres operations: acquire+release of a specific 8-port block (B-D);
 *     in B: associate+bind(0)+close in a 4,096-port block with 4,000 ports
 *     bound and in an empty one, wildcard acquire of 100 ports + release
 *     with 100, 1,000, 10,000 reservations; slab memory per reservation
 *     while C's and D's 10,000 are made.
 * Before each configuration's measurements (instruction mode) the bench
 * waits until the guest is quiet: a spin loop of known length must count
 * within 1 % of its own instructions, 8 times in a row (boot leftovers such
 * as the crypto self-tests would otherwise share the one vCPU).
 *
 * Output: progress lines, "BENCH-FIG <key> <value>" lines (every figure,
 * for run-to-run comparison), then markdown between "BENCH-MD-BEGIN" and
 * "BENCH-MD-END".
 *
 *   portres_bench [-i] [-r rounds] [-s settle-ms] [-x iteration-percent]
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
#include <x86intrin.h>
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
#define MAX_SAMPLES	4096

#define SYSCTL_RANGE	"/proc/sys/net/ipv4/ip_local_port_range"
#define SYSCTL_RESERVED	"/proc/sys/net/ipv4/ip_local_reserved_ports"

enum cfg { CA, CB, CC, CD, CE, NCFG };
static const char *const cfg_name[NCFG] = { "A", "B", "C", "D", "E" };
static const char *const cfg_desc[NCFG] = {
	"module absent",
	"module loaded, no reservation",
	"loaded, 10,000 runtime 1-port reservations outside the ephemeral range (10000-29998, every 2nd port), all held on one socket",
	"loaded, 10,000 runtime 1-port reservations spread through ip_local_port_range 32768-60999",
	"module absent, D's 10,000 ports set in ip_local_reserved_ports (native anchor for D)",
};

/* Loops: mean per iteration. */
enum op {
	OP_TCP_BIND, OP_UDP_BIND, OP_TCP_SOCKCLOSE, OP_TCP_CONN, OP_UDP_CONN,
	OP_IOCTL_TCP4, OP_IOCTL_UDP4, OP_IOCTL_TCP6, OP_IOCTL_UDP6,
	OP_ACQ_REL, OP_ASSOC_FULL, OP_ASSOC_EMPTY,
	OP_WILD_100, OP_WILD_1K, OP_WILD_10K,
	NOP
};
#define NCORE (OP_IOCTL_UDP6 + 1)
#define NWALL (OP_UDP_CONN + 1)
static const char *const op_name[NOP] = {
	"TCP socket+bind(0)+close",
	"UDP socket+bind(0)+close",
	"TCP socket+close (unbound)",
	"TCP connect+accept+close (loopback)",
	"UDP socket+connect (autobind)+close",
	"ioctl(FIONREAD), TCP IPv4 socket",
	"ioctl(FIONREAD), UDP IPv4 socket",
	"ioctl(FIONREAD), TCP IPv6 socket",
	"ioctl(FIONREAD), UDP IPv6 socket",
	"acquire+release, specific 8-port block",
	"associate+bind(0)+close, 4,096-port block with 4,000 bound",
	"associate+bind(0)+close, empty 4,096-port block",
	"wildcard acquire 100 ports+release, 100 reservations",
	"wildcard acquire 100 ports+release, 1,000 reservations",
	"wildcard acquire 100 ports+release, 10,000 reservations",
};
static const char *const op_key[NOP] = {
	"tcp_bind_close", "udp_bind_close", "tcp_socket_close", "tcp_connect",
	"udp_connect", "ioctl_tcp4", "ioctl_udp4", "ioctl_tcp6", "ioctl_udp6",
	"acq_rel", "assoc_full", "assoc_empty", "wild_100", "wild_1k",
	"wild_10k",
};
/* Iterations per measurement (before -x scaling). */
static const long op_iters[NOP] = {
	320, 320, 320, 120, 320, 800, 800, 800, 800,
	320, 160, 160, 80, 80, 80,
};

/* Single calls: each timed on its own. */
enum call {
	PC_TCP_SOCKET, PC_TCP_BIND, PC_TCP_CLOSE_BOUND, PC_TCP_CLOSE_UNBOUND,
	PC_UDP_SOCKET, PC_UDP_BIND, PC_UDP_CLOSE_BOUND, PC_UDP_CLOSE_UNBOUND,
	PC_TCP_CONNECT, PC_UDP_CONNECT,
	PC_IOCTL_TCP4, PC_IOCTL_UDP4, PC_IOCTL_TCP6, PC_IOCTL_UDP6,
	PC_ASSOC_BIND_FULL, PC_ASSOC_BIND_EMPTY,
	NPC
};
#define NPC_CORE (PC_IOCTL_UDP6 + 1)
static const char *const pc_name[NPC] = {
	"socket(), TCP (not hooked: control)",
	"bind(0), TCP",
	"close(), bound TCP socket",
	"close(), unbound TCP socket",
	"socket(), UDP (not hooked: control)",
	"bind(0), UDP",
	"close(), bound UDP socket",
	"close(), unbound UDP socket",
	"connect(), TCP loopback (autobind + handshake)",
	"connect(), UDP (autobind)",
	"ioctl(FIONREAD), TCP IPv4",
	"ioctl(FIONREAD), UDP IPv4",
	"ioctl(FIONREAD), TCP IPv6",
	"ioctl(FIONREAD), UDP IPv6",
	"bind(0) of an associated socket, block 4,000/4,096 bound",
	"bind(0) of an associated socket, empty block",
};
static const char *const pc_key[NPC] = {
	"call_tcp_socket", "call_tcp_bind", "call_tcp_close_bound",
	"call_tcp_close_unbound", "call_udp_socket", "call_udp_bind",
	"call_udp_close_bound", "call_udp_close_unbound", "call_tcp_connect",
	"call_udp_connect", "call_ioctl_tcp4", "call_ioctl_udp4",
	"call_ioctl_tcp6", "call_ioctl_udp6", "call_assoc_bind_full",
	"call_assoc_bind_empty",
};

static int icount;		/* -i: instruction counting */
static int rounds = 5;
static long settle_ms = 100;
static long iter_pct = 100;
static const char *ko_path = "/portres.ko";
static const char *unit = "ns";
static double tick_overhead;	/* of a tick() pair, subtracted per call */

/* Loops: per round, median and mean over the iterations. */
static double res[NOP][NCFG][MAX_ROUNDS];
static double res_mean[NOP][NCFG][MAX_ROUNDS];
static int nres[NOP][NCFG];
static long iters[NOP];
/* Single calls: per round, median and mean of the samples. */
static double pc_med[NPC][NCFG][MAX_ROUNDS];
static double pc_mean[NPC][NCFG][MAX_ROUNDS];
static int npc[NPC][NCFG];
static long pc_iters[NPC];
static int cur_round;		/* 0 = warm-up, not counted */
static double quiet_wait_max;	/* longest wait for a quiet guest (units) */
static int quiet_fail;

/* Memory per reservation while making C's / D's 10,000 (bytes). */
enum { MEM_OBJ, MEM_PAGES, MEM_MEMINFO, NMEM };
static double mem[NCFG][NMEM][MAX_ROUNDS];
static int nmem[NCFG];
static char mem_breakdown[2048];

static int listen_fd;
static uint16_t d_ports[NRESV];
static int ioctl_fd[4];		/* TCP4, UDP4, TCP6, UDP6; -1 if none */

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

/*
 * The bench's clock: under -icount shift=0 the TSC counts guest
 * instructions (QEMU derives it from the instruction counter), so rdtsc
 * reads an instruction count; otherwise nanoseconds.
 */
static inline double tick(void)
{
	if (icount)
		return (double)__rdtsc();
	return now_ns();
}

/* n iterations of a 2-instruction loop. */
static void spin(long n)
{
	__asm__ volatile("1: dec %0; jnz 1b" : "+r"(n));
}

/*
 * Waits until no other task shares the vCPU: a 1M-instruction spin must
 * count under 1.01 M instructions 8 times in a row (a timer tick costs a
 * few thousand). Gives up after 4 G instructions (4 s of guest time).
 */
static void wait_quiet(const char *what)
{
	double t0 = tick(), t;
	int ok = 0;

	if (!icount)
		return;
	while (ok < 8) {
		double s = tick();

		spin(500000);
		t = tick();
		ok = (t - s) < 1.01e6 ? ok + 1 : 0;
		if (t - t0 > 4e9) {
			printf("  r%d %s: guest not quiet after %.0f M instructions\n",
			       cur_round, what, (t - t0) / 1e6);
			quiet_fail++;
			return;
		}
	}
	if (t - t0 > quiet_wait_max)
		quiet_wait_max = t - t0;
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

/*
 * What a run function gets: the loop's own state, and where to put the
 * time of the single calls it times (NULL: time nothing, as in the loops).
 */
struct ctx {
	int holder;
	uint64_t token;
	int fd;				/* ioctl target */
	double *s[3];			/* per-call samples, or NULL */
};

#define TIMED(c, k, t, expr)					\
	do {							\
		if ((c)->s[k]) {				\
			double t0_ = tick();			\
			expr;					\
			(t) = tick() - t0_ - tick_overhead;	\
			(c)->s[k][i] = (t);			\
		} else {					\
			expr;					\
		}						\
	} while (0)

/* socket()+bind(0)+close(): s[0] socket, s[1] bind, s[2] close. */
static void run_bind(long n, struct ctx *c, int type)
{
	double t;

	for (long i = 0; i < n; i++) {
		int fd;
		struct sockaddr_in a = sin4(INADDR_ANY, 0);
		int rc;

		TIMED(c, 0, t, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0));
		if (fd < 0)
			die("socket: %s", strerror(errno));
		TIMED(c, 1, t, rc = bind(fd, (struct sockaddr *)&a,
					 sizeof(a)));
		if (rc)
			die("bind(0): %s", strerror(errno));
		TIMED(c, 2, t, close(fd));
	}
	(void)t;
}

static void run_tcp_bind(long n, struct ctx *c)
{
	run_bind(n, c, SOCK_STREAM);
}

static void run_udp_bind(long n, struct ctx *c)
{
	run_bind(n, c, SOCK_DGRAM);
}

/* socket()+close(): s[2] close of an unbound socket. */
static void run_sockclose(long n, struct ctx *c, int type)
{
	double t;

	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

		if (fd < 0)
			die("socket: %s", strerror(errno));
		TIMED(c, 2, t, close(fd));
	}
	(void)t;
}

static void run_tcp_sockclose(long n, struct ctx *c)
{
	run_sockclose(n, c, SOCK_STREAM);
}

static void run_udp_sockclose(long n, struct ctx *c)
{
	run_sockclose(n, c, SOCK_DGRAM);
}

/* s[1]: connect() alone. */
static void run_tcp_conn(long n, struct ctx *c)
{
	struct sockaddr_in a = sin4(INADDR_LOOPBACK, PORT_LISTEN);
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	double t;

	for (long i = 0; i < n; i++) {
		int fd = xsocket(SOCK_STREAM), afd, rc;

		TIMED(c, 1, t, rc = connect(fd, (struct sockaddr *)&a,
					    sizeof(a)));
		if (rc)
			die("connect: %s", strerror(errno));
		afd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (afd < 0)
			die("accept: %s", strerror(errno));
		/* RST: no TIME_WAIT piles up to eat the ephemeral range. */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(fd);
		close(afd);
	}
	(void)t;
}

static void run_udp_conn(long n, struct ctx *c)
{
	struct sockaddr_in a = sin4(INADDR_LOOPBACK, PORT_UDP_PEER);
	double t;

	for (long i = 0; i < n; i++) {
		int fd = xsocket(SOCK_DGRAM), rc;

		TIMED(c, 1, t, rc = connect(fd, (struct sockaddr *)&a,
					    sizeof(a)));
		if (rc)
			die("udp connect: %s", strerror(errno));
		close(fd);
	}
	(void)t;
}

static void run_ioctl(long n, struct ctx *c)
{
	double t;
	int v;

	for (long i = 0; i < n; i++) {
		int rc;

		TIMED(c, 0, t, rc = ioctl(c->fd, FIONREAD, &v));
		if (rc)
			die("ioctl(FIONREAD): %s", strerror(errno));
	}
	(void)t;
}

static void run_acq_rel(long n, struct ctx *c)
{
	for (long i = 0; i < n; i++)
		xrelease(c->holder, xacquire(c->holder, PORT_ACQ, ACQ_N, NULL));
}

/* s[1]: the bind(0) of the associated socket alone. */
static void run_assoc_bind(long n, struct ctx *c)
{
	double t;

	for (long i = 0; i < n; i++) {
		int fd = xsocket(SOCK_STREAM), rc;
		struct sockaddr_in a = sin4(INADDR_ANY, 0);

		xassociate(fd, c->token);
		TIMED(c, 1, t, rc = bind(fd, (struct sockaddr *)&a,
					 sizeof(a)));
		if (rc)
			die("associated bind(0): %s", strerror(errno));
		close(fd);
	}
	(void)t;
}

static void run_wild(long n, struct ctx *c)
{
	for (long i = 0; i < n; i++)
		xrelease(c->holder, xacquire(c->holder, 0, WILD_N, NULL));
}

typedef void (*run_fn)(long, struct ctx *);

static double mean(const double *v, int n);
static double median_of(double *v, int n);

static long scaled(long n)
{
	n = n * iter_pct / 100;
	return n < 8 ? 8 : n;
}

/*
 * A loop: n iterations after a short untimed run, each iteration timed on
 * its own. The round's figure is the median over the iterations: timer
 * interrupts and the deferred work of earlier iterations (RCU callbacks
 * freeing sockets, run at some later tick) land in a few iterations and
 * do not move it. The mean of all iterations is kept as well.
 */
static void measure(enum op op, enum cfg cfg, run_fn fn, struct ctx *c)
{
	static double s[MAX_SAMPLES];
	long n = iters[op] = scaled(op_iters[op]);
	double avg, m;

	if (n > MAX_SAMPLES)
		n = iters[op] = MAX_SAMPLES;
	fn(n / 10 > 2 ? n / 10 : 2, c);
	for (long i = 0; i < n; i++) {
		double t0 = tick();

		fn(1, c);
		s[i] = tick() - t0 - tick_overhead;
	}
	avg = mean(s, n);
	m = median_of(s, n);
	if (cur_round > 0) {
		res[op][cfg][nres[op][cfg]] = m;
		res_mean[op][cfg][nres[op][cfg]++] = avg;
	}
	printf("  r%d %s %-58s %10.1f %s/op median, %.1f mean (n=%ld)\n",
	       cur_round, cfg_name[cfg], op_name[op], m, unit, avg, n);
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_of(double *v, int n)
{
	if (n <= 0)
		return NAN;
	qsort(v, n, sizeof(*v), dcmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double median(const double *v, int n)
{
	double t[MAX_ROUNDS];

	if (n <= 0 || n > MAX_ROUNDS)
		return NAN;
	memcpy(t, v, n * sizeof(*v));
	return median_of(t, n);
}

static double mean(const double *v, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += v[i];
	return n ? s / n : NAN;
}

/*
 * Single calls: the run function times up to three calls per iteration
 * (calls[k] < 0: not recorded). Per round: the median over the iterations
 * (a timer interrupt that lands in one call does not move it).
 */
static void measure_calls(enum cfg cfg, run_fn fn, struct ctx *c,
			  long n0, const int calls[3])
{
	static double s[3][MAX_SAMPLES];
	long n = scaled(n0);
	int k;

	if (n > MAX_SAMPLES)
		n = MAX_SAMPLES;
	for (k = 0; k < 3; k++)
		c->s[k] = calls[k] >= 0 ? s[k] : NULL;
	fn(n / 10 > 2 ? n / 10 : 2, c);	/* warm, same path */
	fn(n, c);
	for (k = 0; k < 3; k++) {
		double avg, med;

		if (calls[k] < 0)
			continue;
		avg = mean(s[k], n);
		med = median_of(s[k], n);
		pc_iters[calls[k]] = n;
		if (cur_round > 0) {
			pc_med[calls[k]][cfg][npc[calls[k]][cfg]] = med;
			pc_mean[calls[k]][cfg][npc[calls[k]][cfg]++] = avg;
		}
		printf("  r%d %s %-58s %10.1f %s median, %.1f mean (n=%ld)\n",
		       cur_round, cfg_name[cfg], pc_name[calls[k]], med, unit,
		       avg, n);
	}
	for (k = 0; k < 3; k++)
		c->s[k] = NULL;
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
	double d[MAX_CACHES];
	int picked[MAX_CACHES] = { 0 };
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
	static const enum op ioctl_ops[4] = {
		OP_IOCTL_TCP4, OP_IOCTL_UDP4, OP_IOCTL_TCP6, OP_IOCTL_UDP6,
	};
	struct ctx c = { 0 };
	int k;

	measure(OP_TCP_BIND, cfg, run_tcp_bind, &c);
	measure(OP_UDP_BIND, cfg, run_udp_bind, &c);
	measure(OP_TCP_SOCKCLOSE, cfg, run_tcp_sockclose, &c);
	measure(OP_TCP_CONN, cfg, run_tcp_conn, &c);
	measure(OP_UDP_CONN, cfg, run_udp_conn, &c);
	if (!icount)
		return;
	for (k = 0; k < 4; k++) {
		if (ioctl_fd[k] < 0)
			continue;
		c.fd = ioctl_fd[k];
		measure(ioctl_ops[k], cfg, run_ioctl, &c);
	}
}

static void call_ops(enum cfg cfg)
{
	static const int ioctl_calls[4] = {
		PC_IOCTL_TCP4, PC_IOCTL_UDP4, PC_IOCTL_TCP6, PC_IOCTL_UDP6,
	};
	struct ctx c = { 0 };
	int k;

	measure_calls(cfg, run_tcp_bind, &c, 320, (const int[3]){
		PC_TCP_SOCKET, PC_TCP_BIND, PC_TCP_CLOSE_BOUND });
	measure_calls(cfg, run_tcp_sockclose, &c, 320, (const int[3]){
		-1, -1, PC_TCP_CLOSE_UNBOUND });
	measure_calls(cfg, run_udp_bind, &c, 320, (const int[3]){
		PC_UDP_SOCKET, PC_UDP_BIND, PC_UDP_CLOSE_BOUND });
	measure_calls(cfg, run_udp_sockclose, &c, 320, (const int[3]){
		-1, -1, PC_UDP_CLOSE_UNBOUND });
	measure_calls(cfg, run_tcp_conn, &c, 120, (const int[3]){
		-1, PC_TCP_CONNECT, -1 });
	measure_calls(cfg, run_udp_conn, &c, 320, (const int[3]){
		-1, PC_UDP_CONNECT, -1 });
	for (k = 0; k < 4; k++) {
		if (ioctl_fd[k] < 0)
			continue;
		c.fd = ioctl_fd[k];
		measure_calls(cfg, run_ioctl, &c, 320, (const int[3]){
			ioctl_calls[k], -1, -1 });
	}
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
	struct ctx full = { 0 }, empty = { 0 };
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
	wait_quiet("assoc");
	measure(OP_ASSOC_FULL, cfg, run_assoc_bind, &full);
	measure(OP_ASSOC_EMPTY, cfg, run_assoc_bind, &empty);
	measure_calls(cfg, run_assoc_bind, &full, 160, (const int[3]){
		-1, PC_ASSOC_BIND_FULL, -1 });
	measure_calls(cfg, run_assoc_bind, &empty, 160, (const int[3]){
		-1, PC_ASSOC_BIND_EMPTY, -1 });
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
		wait_quiet("wildcard");
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

static void open_ioctl_fds(void)
{
	static const int fam[4] = { AF_INET, AF_INET, AF_INET6, AF_INET6 };
	static const int type[4] = {
		SOCK_STREAM, SOCK_DGRAM, SOCK_STREAM, SOCK_DGRAM,
	};

	for (int k = 0; k < 4; k++)
		ioctl_fd[k] = socket(fam[k], type[k] | SOCK_CLOEXEC, 0);
}

static void close_ioctl_fds(void)
{
	for (int k = 0; k < 4; k++)
		if (ioctl_fd[k] >= 0)
			close(ioctl_fd[k]);
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
	open_ioctl_fds();
	printf(" r%d %s set-up %.3f s\n", cur_round, cfg_name[cfg],
	       (now_ns() - t0) / 1e9);
	/* Let RCU callbacks and workers of the set-up finish first. */
	usleep(settle_ms * 1000);
	wait_quiet(cfg_name[cfg]);
	core_ops(cfg);
	if (icount) {
		call_ops(cfg);
		if (cfg == CB || cfg == CC || cfg == CD)
			acq_rel(cfg);
		if (cfg == CB) {
			assoc_ops(cfg);
			wild_ops(cfg);
		}
	}
	close_ioctl_fds();
	if (holder >= 0)
		close(holder);
	if (cfg == CE)
		sysctl_write(SYSCTL_RESERVED, "\n");
}

/* ---- statistics and report ---- */

static double med(enum op op, enum cfg cfg)
{
	return median(res[op][cfg], nres[op][cfg]);
}

static double pmed(enum call pc, enum cfg cfg)
{
	return median(pc_med[pc][cfg], npc[pc][cfg]);
}

/* (max - min) / median over the rounds, in %. */
static double spread(const double *v, int n)
{
	double lo = INFINITY, hi = -INFINITY, m = median(v, n);

	for (int i = 0; i < n; i++) {
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	return n > 1 ? 100 * (hi - lo) / m : NAN;
}

static const char *mark(int ok)
{
	return ok ? "met" : "**missed**";
}

static void cell(double v, int decimals)
{
	if (isnan(v))
		printf(" | -");
	else
		printf(" | %.*f", decimals, v);
}

static void sdelta(double v)
{
	if (isnan(v))
		printf(" | -");
	else
		printf(" | %+.0f", v);
}

static void figures(void)
{
	int i, k;

	for (i = 0; i < NOP; i++)
		for (k = 0; k < NCFG; k++)
			if (nres[i][k])
				printf("BENCH-FIG %s.%s %.1f\n", op_key[i],
				       cfg_name[k], med(i, k));
	for (i = 0; i < NPC; i++)
		for (k = 0; k < NCFG; k++)
			if (npc[i][k])
				printf("BENCH-FIG %s.%s %.1f\n", pc_key[i],
				       cfg_name[k], pmed(i, k));
	for (k = CC; k <= CD; k++)
		if (nmem[k])
			printf("BENCH-FIG mem_per_resv.%s %.1f\n", cfg_name[k],
			       median(mem[k][MEM_OBJ], nmem[k]));
}

static void report_wall(void)
{
	int i, k;

	printf("BENCH-MD-BEGIN\n");
	printf("| operation | A | B | C | D | E | B/A | C/A | D/A | D/E | iterations | spread over rounds |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < NWALL; i++) {
		double sp = 0;

		printf("| %s", op_name[i]);
		for (k = 0; k < NCFG; k++) {
			cell(med(i, k), 0);
			sp = fmax(sp, spread(res[i][k], nres[i][k]));
		}
		printf(" | %.3f | %.3f | %.3f | %.3f | %ld | %.0f%% |\n",
		       med(i, CB) / med(i, CA), med(i, CC) / med(i, CA),
		       med(i, CD) / med(i, CA), med(i, CD) / med(i, CE),
		       iters[i], sp);
	}
	printf("BENCH-MD-END\n");
}

static void report(void)
{
	int i, k;
	double worst_sp = 0;

	printf("BENCH-MD-BEGIN\n");
	printf("Configurations (alternated in every round, the module unloaded and, for B-D, loaded again before each):\n\n");
	for (k = 0; k < NCFG; k++)
		printf("- **%s**: %s\n", cfg_name[k], cfg_desc[k]);

	printf("\n#### Loops, every configuration (instructions per iteration)\n\n");
	printf("Each iteration is timed on its own (rdtsc, the %.0f instructions of the two reads subtracted); a round's figure is the median over its iterations (their number: last column but one), so a timer interrupt or the deferred work of earlier iterations (RCU callbacks that free sockets at a later tick) does not count; each figure is the median over the %d rounds. Last column: (largest - smallest) / median of the rounds' figures, the worst of the five configurations.\n\n",
	       tick_overhead, rounds);
	printf("| operation | A | B | C | D | E | B/A | C/A | D/A | D/E | iterations | spread over rounds |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < NCORE; i++) {
		double sp = 0;

		if (!nres[i][CA])
			continue;
		printf("| %s", op_name[i]);
		for (k = 0; k < NCFG; k++) {
			cell(med(i, k), 0);
			sp = fmax(sp, spread(res[i][k], nres[i][k]));
		}
		worst_sp = fmax(worst_sp, sp);
		printf(" | %.4f | %.4f | %.4f | %.4f | %ld | %.2f%% |\n",
		       med(i, CB) / med(i, CA), med(i, CC) / med(i, CA),
		       med(i, CD) / med(i, CA), med(i, CD) / med(i, CE),
		       iters[i], sp);
	}

	{
		double sp = 0;

		for (i = 0; i < NCORE; i++)
			for (k = 0; k < NCFG; k++)
				if (nres[i][k])
					sp = fmax(sp, spread(res_mean[i][k],
							     nres[i][k]));
		printf("\nPlain means over all iterations, which include timer interrupts and the deferred work that lands in whichever measurement runs when it comes due, varied by up to %.1f %% between rounds: they are not used.\n",
		       sp);
	}

	printf("\n#### Each hooked call on its own (instructions per call)\n\n");
	printf("Each call timed alone with rdtsc (%.0f instructions of the two reads subtracted); per round the median over the iterations (last column), then the median over the rounds. A call's cost includes the syscall entry and exit and, for close(), the deferred fput that runs before the return to user space. Deltas: what the module adds, against the module absent (A, or E for D) and against the module loaded with nothing reserved (B).\n\n",
	       tick_overhead);
	printf("| call | A | B | C | D | E | B-A | C-A | D-A | D-E | C-B | D-B | iterations |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < NPC_CORE; i++) {
		if (!npc[i][CA])
			continue;
		printf("| %s", pc_name[i]);
		for (k = 0; k < NCFG; k++)
			cell(pmed(i, k), 0);
		sdelta(pmed(i, CB) - pmed(i, CA));
		sdelta(pmed(i, CC) - pmed(i, CA));
		sdelta(pmed(i, CD) - pmed(i, CA));
		sdelta(pmed(i, CD) - pmed(i, CE));
		sdelta(pmed(i, CC) - pmed(i, CB));
		sdelta(pmed(i, CD) - pmed(i, CB));
		printf(" | %ld |\n", pc_iters[i]);
	}

	printf("\n#### portres operations (instructions per iteration)\n\n");
	printf("| operation | config | instructions | iterations | spread over rounds |\n|---|---|---:|---:|---:|\n");
	for (i = OP_ACQ_REL; i < NOP; i++)
		for (k = CB; k <= CD; k++) {
			if (!nres[i][k])
				continue;
			printf("| %s | %s | %.0f | %ld | %.2f%% |\n", op_name[i],
			       cfg_name[k], med(i, k), iters[i],
			       spread(res[i][k], nres[i][k]));
		}
	for (i = PC_ASSOC_BIND_FULL; i <= PC_ASSOC_BIND_EMPTY; i++)
		printf("| %s, the call alone (median; mean %.0f) | B | %.0f | %ld | %.2f%% |\n",
		       pc_name[i], median(pc_mean[i][CB], npc[i][CB]),
		       pmed(i, CB), pc_iters[i],
		       spread(pc_med[i][CB], npc[i][CB]));
	printf("\nWildcard set-up: N one-port TCP reservations at 32768, 32770, ... (every second port from the bottom of ip_local_port_range 32768-60999, so the search meets them), module otherwise as in B. Growth per tenfold: 100 -> 1,000 %+.0f, 1,000 -> 10,000 %+.0f instructions.\n",
	       med(OP_WILD_1K, CB) - med(OP_WILD_100, CB),
	       med(OP_WILD_10K, CB) - med(OP_WILD_1K, CB));

	printf("\n#### Kernel memory per reservation (10,000 one-port runtime reservations, bytes each, median)\n\n");
	printf("| while making | /proc/slabinfo objects (active_objs x objsize) | /proc/slabinfo slab pages | /proc/meminfo Slab |\n|---|---:|---:|---:|\n");
	for (k = CC; k <= CD; k++)
		printf("| %s's 10,000 | %.1f | %.1f | %.1f |\n", cfg_name[k],
		       median(mem[k][MEM_OBJ], nmem[k]),
		       median(mem[k][MEM_PAGES], nmem[k]),
		       median(mem[k][MEM_MEMINFO], nmem[k]));
	printf("\nCaches that grew most (C, last round): %s.\n", mem_breakdown);

	printf("\n#### Targets (issue 10)\n\n");
	printf("| target | figure | result |\n|---|---|---|\n");
	{
		static const enum op rops[] = {
			OP_TCP_BIND, OP_UDP_BIND, OP_TCP_CONN, OP_UDP_CONN,
			OP_IOCTL_TCP4, OP_IOCTL_UDP4, OP_IOCTL_TCP6,
			OP_IOCTL_UDP6,
		};
		unsigned int j;

		for (j = 0; j < sizeof(rops) / sizeof(rops[0]); j++) {
			double b, c, d;

			i = rops[j];
			if (!nres[i][CA])
				continue;
			b = med(i, CB) / med(i, CA);
			c = med(i, CC) / med(i, CA);
			d = med(i, CD) / med(i, CE);
			printf("| %s: B/A <= 1.002 | %.4f | %s |\n", op_name[i],
			       b, mark(b <= 1.002));
			printf("| %s: C/A <= 1.01, D/E <= 1.01 | %.4f, %.4f | %s |\n",
			       op_name[i], c, d, mark(c <= 1.01 && d <= 1.01));
		}
	}
	for (i = PC_TCP_BIND; i < NPC_CORE; i++) {
		double c = pmed(i, CC) - pmed(i, CA);
		double d = pmed(i, CD) - pmed(i, CE);

		if (i == PC_TCP_SOCKET || i == PC_UDP_SOCKET || !npc[i][CA])
			continue;
		printf("| %s, a socket with no part in any reservation, 10,000 of them exist: C-A, D-E <= 40 instructions | %+.0f, %+.0f | %s |\n",
		       pc_name[i], c, d, mark(c <= 40 && d <= 40));
	}
	for (k = CB; k <= CD; k++) {
		double r = med(OP_ACQ_REL, k) / med(OP_TCP_BIND, k);

		printf("| acquire+release <= 1.0 x TCP socket+bind(0)+close (%s) | %.0f / %.0f = %.3f | %s |\n",
		       cfg_name[k], med(OP_ACQ_REL, k), med(OP_TCP_BIND, k), r,
		       mark(r <= 1.0));
	}
	{
		double r = med(OP_ASSOC_FULL, CB) / med(OP_ASSOC_EMPTY, CB);
		double rc = pmed(PC_ASSOC_BIND_FULL, CB) /
			    pmed(PC_ASSOC_BIND_EMPTY, CB);
		double rm = median(pc_mean[PC_ASSOC_BIND_FULL][CB],
				   npc[PC_ASSOC_BIND_FULL][CB]) /
			    median(pc_mean[PC_ASSOC_BIND_EMPTY][CB],
				   npc[PC_ASSOC_BIND_EMPTY][CB]);

		printf("| associated bind(0), block 4,000/4,096 bound <= 2 x empty block | associate+bind+close %.3f; bind alone %.3f (median), %.3f (mean) | %s |\n",
		       r, rc, rm, mark(r <= 2 && rc <= 2 && rm <= 2));
		r = med(OP_WILD_10K, CB) / med(OP_WILD_100, CB);
		printf("| wildcard acquire O(log n): t(10,000)/t(100) <= log(10^4)/log(10^2) = 2 | %.0f -> %.0f -> %.0f (100, 1,000, 10,000): x%.3f | %s |\n",
		       med(OP_WILD_100, CB), med(OP_WILD_1K, CB),
		       med(OP_WILD_10K, CB), r, mark(r <= 2));
		r = median(mem[CC][MEM_OBJ], nmem[CC]);
		printf("| <= 256 bytes of kernel memory per reservation | %.1f B (slab objects, C; slab pages %.1f B) | %s |\n",
		       r, median(mem[CC][MEM_PAGES], nmem[CC]), mark(r <= 256));
	}
	printf("\nWithin this run, the loops' figures varied by at most %.2f %% between rounds (largest - smallest over median). The longest wait for a quiet guest was %.0f M instructions%s.\n",
	       worst_sp, quiet_wait_max / 1e6,
	       quiet_fail ? "; the guest was NOT quiet at least once" : "");
	printf("BENCH-MD-END\n");
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 65536, 65536 };
	struct sockaddr_in a;
	char *dlist;
	double t0 = now_ns();
	int opt, udp_peer, i, k;

	while ((opt = getopt(argc, argv, "ir:s:x:k:")) != -1) {
		switch (opt) {
		case 'i':
			icount = 1;
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 's':
			settle_ms = atol(optarg);
			break;
		case 'x':
			iter_pct = atol(optarg);
			break;
		case 'k':
			ko_path = optarg;
			break;
		default:
			die("usage: portres_bench [-i] [-r rounds] [-s settle-ms] [-x iteration-percent] [-k ko]");
		}
	}
	if (rounds < 1 || rounds >= MAX_ROUNDS)
		die("rounds must be 1..%d", MAX_ROUNDS - 1);
	if (iter_pct < 1 || iter_pct > 1000)
		die("-x: 1..1000 %%");
	unit = icount ? "instr" : "ns";
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

	/* The cost of the two clock reads around a timed call. */
	{
		double s[257];

		for (i = 0; i < 257; i++) {
			double x = tick();

			s[i] = tick() - x;
		}
		tick_overhead = median_of(s, 257);
	}
	/* Instruction mode: check that the clock does count instructions. */
	if (icount) {
		double best = INFINITY;

		/* Another vCPU's work would not be counted, nor be quiet. */
		if (sysconf(_SC_NPROCESSORS_ONLN) != 1)
			die("instruction counting wants one vCPU, the guest has %ld",
			    sysconf(_SC_NPROCESSORS_ONLN));
		wait_quiet("start");
		for (i = 0; i < 5; i++) {
			double s = tick();

			spin(1000000);
			best = fmin(best, tick() - s);
		}
		printf("BENCH-CLOCK a 2,000,000-instruction loop counted %.0f; clock-read pair %.0f\n",
		       best, tick_overhead);
		if (fabs(best - 2e6) > 2e4)
			die("the TSC does not count instructions (is QEMU running with -icount shift=0?)");
	}

	printf("BENCH-START mode=%s rounds=%d iterations=%ld%%\n",
	       icount ? "icount" : "wall", rounds, iter_pct);
	for (cur_round = 0; cur_round <= rounds; cur_round++) {
		double r0 = now_ns();

		for (k = 0; k < NCFG; k++)
			run_config(k, dlist);
		printf("BENCH-ROUND %d %.1f s guest time (total %.1f s)\n",
		       cur_round, (now_ns() - r0) / 1e9, (now_ns() - t0) / 1e9);
	}
	module_unload();
	figures();
	if (icount)
		report();
	else
		report_wall();
	printf("BENCH-DONE %.1f s\n", (now_ns() - t0) / 1e9);
	close(listen_fd);
	close(udp_peer);
	free(dlist);
	return 0;
}
