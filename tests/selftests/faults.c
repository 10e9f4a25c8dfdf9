// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection on the module's allocations (debug test kernel only):
 * failslab and fail_page_alloc, limited by their stack filter to calls
 * made from portres.ko's text, fail the 1st, 2nd, ... allocation of an
 * acquire, an associate, a persistent create and an io_uring acquire
 * (/proc/thread-self/fail-nth), each time in a fresh network namespace.
 * Every injected failure must reach the caller as ENOMEM (or be recovered
 * from by the allocator: the operation then simply succeeds) and leave no
 * reservation half-made: /proc/net/port_reservations and
 * ip_local_reserved_ports are checked after each one, and the same
 * operation without faults then succeeds. A last test fails allocations
 * at random (task-filter + make-it-fail, probability) during a mix of
 * operations. Whatever happens, the teardown turns the faults off.
 */
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "portres_test.h"

#define DBG		"/sys/kernel/debug/"
#define MAX_NTH		200
#define BLOCK		23000

static const char *const attrs[] = { "failslab", "fail_page_alloc" };
static unsigned long text_start, text_end;

static int attr_write(const char *attr, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), DBG "%s/%s", attr, file);
	return file_write(path, val);
}

/* portres.ko's memory as /proc/modules gives it: base and total size. */
static int module_range(void)
{
	char buf[16384], *line;

	if (file_read("/proc/modules", buf, sizeof(buf)))
		return -1;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long size, base;

		if (sscanf(line, "portres %lu %*d %*s %*s %lx", &size, &base) == 2 &&
		    base) {
			text_start = base;
			text_end = base + size;
			return 0;
		}
	}
	return -1;
}

/* Faults only for calls from portres.ko, never reported on the console. */
static void faults_setup(int probability)
{
	char v[64];
	size_t i;

	if (module_range())
		die("portres not in /proc/modules (or addresses hidden)");
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		const char *a = attrs[i];

		snprintf(v, sizeof(v), "%d", probability);
		if (attr_write(a, "verbose", "0") ||
		    attr_write(a, "ignore-gfp-wait", "N") ||
		    attr_write(a, "task-filter", "Y") ||
		    attr_write(a, "interval", "1") ||
		    attr_write(a, "times", "-1") ||
		    attr_write(a, "space", "0") ||
		    attr_write(a, "stacktrace-depth", "32") ||
		    attr_write(a, "probability", v))
			die("cannot configure " DBG "%s (debug kernel with "
			    "FAULT_INJECTION_DEBUG_FS and _STACKTRACE_FILTER?)", a);
		snprintf(v, sizeof(v), "%lu", text_start);
		attr_write(a, "require-start", v);
		snprintf(v, sizeof(v), "%lu", text_end);
		attr_write(a, "require-end", v);
	}
	attr_write("fail_page_alloc", "min-order", "0");
}

static void faults_off(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		attr_write(attrs[i], "probability", "0");
		attr_write(attrs[i], "task-filter", "N");
		attr_write(attrs[i], "require-start", "0");
		attr_write(attrs[i], "require-end", "18446744073709551615");
		attr_write(attrs[i], "ignore-gfp-wait", "Y");
	}
	attr_write("fail_page_alloc", "min-order", "1");
	file_write("/proc/self/make-it-fail", "0");
}

static void fail_nth(int n)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", n);
	if (file_write("/proc/thread-self/fail-nth", v))
		die("cannot write /proc/thread-self/fail-nth");
}

static int fail_nth_left(void)
{
	char v[16];

	if (file_read("/proc/thread-self/fail-nth", v, sizeof(v)))
		die("cannot read /proc/thread-self/fail-nth");
	return atoi(v);
}

/* Lines of /proc/net/port_reservations after the header. */
static int nr_reservations(void)
{
	char buf[8192], *p;
	int n = 0;

	if (file_read("/proc/net/port_reservations", buf, sizeof(buf)))
		die("cannot read /proc/net/port_reservations");
	for (p = buf; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

/* ---- io_uring, raw: one IORING_OP_URING_CMD at a time ---- */

struct ring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail,
		     *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_init(struct ring *r)
{
	struct io_uring_params p;
	size_t sq_len, cq_len;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	r->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return -errno;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (cq_len > sq_len)
		sq_len = cq_len;
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  r->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		return -errno;
	cq = sq;	/* IORING_FEAT_SINGLE_MMAP: every kernel portres supports */
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		return -errno;
	r->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)(sq + p.sq_off.array);
	r->cq_head = (unsigned int *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* Submits the command and waits for its completion: the CQE's res. */
static int ring_cmd(struct ring *r, int ctl, unsigned int op, int sockfd,
		    void *arg)
{
	unsigned int tail = *r->sq_tail, idx = tail & *r->sq_mask, head;
	struct io_uring_sqe *sqe = &r->sqes[idx];
	struct portres_uring_cmd pc = {
		.sockfd = sockfd,
		.arg = (uintptr_t)arg,
	};
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = ctl;
	sqe->cmd_op = op;
	sqe->user_data = 42;
	memcpy(sqe->cmd, &pc, sizeof(pc));
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		return -errno;
	head = *r->cq_head;
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -EPROTO;
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

/* ---- the operations, each in a fresh namespace ---- */

struct ctx {
	int owner, s, ctl;
	uint64_t token;
	struct ring ring;
	int base_lines;			/* reservations before the operation */
	struct portset bits;		/* ip_local_reserved_ports before it */
};

struct fop {
	const char *name;
	void (*setup)(struct ctx *c);		/* no faults */
	int (*run)(struct ctx *c);		/* faults: 0 or -errno */
	int (*verify)(struct ctx *c);		/* after success */
};

static void setup_plain(struct ctx *c)
{
	c->owner = xsock(AF_INET, IPPROTO_TCP);
}

static void setup_owned(struct ctx *c)
{
	c->owner = xsock(AF_INET6, IPPROTO_UDP);
	c->token = xacquire(c->owner, BLOCK + 500, 2, NULL);
	c->s = xsock(AF_INET, IPPROTO_UDP);
}

static void setup_ctl(struct ctx *c)
{
	c->ctl = open("/dev/portres", O_RDWR | O_CLOEXEC);
	if (c->ctl < 0)
		die("open /dev/portres: %s", strerror(errno));
}

static void setup_ring(struct ctx *c)
{
	int err;

	setup_ctl(c);
	c->owner = xsock(AF_INET, IPPROTO_TCP);
	err = ring_init(&c->ring);
	if (err)
		die("io_uring_setup: %s", errname(-err));
}

static int run_acquire_specific(struct ctx *c)
{
	return acquire(c->owner, BLOCK, 8, NULL);
}

static int run_acquire_wildcard(struct ctx *c)
{
	return acquire(c->owner, 0, 16, NULL);
}

static int run_acquire_second(struct ctx *c)
{
	return acquire(c->owner, BLOCK + 100, 3, NULL);
}

static int run_associate(struct ctx *c)
{
	return associate(c->s, c->token);
}

/* 0, or -1 with a diagnostic (in a round's child: no harness asserts). */
static int verify_associate(struct ctx *c)
{
	int err = bind_port(c->s, 0);

	if (err || !port_in(local_port(c->s), BLOCK + 500, 2)) {
		diag("associated bind(0): %s, port %d", errname(-err),
		     local_port(c->s));
		return -1;
	}
	return 0;
}

static struct portres_persistent persist_req(uint32_t flags, uint64_t token)
{
	struct portres_persistent p = {
		.protocol = IPPROTO_UDP,
		.flags = flags,
		.range = { .start_port = htons(BLOCK + 200), .number_of_ports = 5 },
		.allowed_uid = PORTRES_ANY_ID,
		.allowed_gid = 0,
		.token = token,
	};

	return p;
}

static int run_persist(struct ctx *c)
{
	struct portres_persistent p = persist_req(0, 0);

	return ioctl(c->ctl, PORTRES_IOC_CREATE_PERSISTENT, &p) ? -errno : 0;
}

static int run_persist_token(struct ctx *c)
{
	struct portres_persistent p = persist_req(PORTRES_F_GIVEN_TOKEN,
						  0x5eed5eed5eedULL);

	return ioctl(c->ctl, PORTRES_IOC_CREATE_PERSISTENT, &p) ? -errno : 0;
}

static int run_uring_acquire(struct ctx *c)
{
	struct inet_port_reservation_instance in = {
		.reservation = { .start_port = htons(BLOCK + 300),
				 .number_of_ports = 4 },
	};

	return ring_cmd(&c->ring, c->ctl, SIO_ACQUIRE_PORT_RESERVATION,
			c->owner, &in);
}

static void child_setup(struct ctx *c, const struct fop *f)
{
	memset(c, 0, sizeof(*c));
	c->owner = c->s = c->ctl = -1;
	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET): %s", strerror(errno));
	if (f->setup)
		f->setup(c);
	c->base_lines = nr_reservations();
	xreserved_ports_read(&c->bits);
}

/* Nothing changed by a failed operation (else says what did). */
static bool unchanged(struct ctx *c, const char *name, int nth)
{
	struct portset now;

	if (nr_reservations() != c->base_lines) {
		diag("%s, fault %d: %d reservations, %d before", name, nth,
		     nr_reservations(), c->base_lines);
		return false;
	}
	xreserved_ports_read(&now);
	if (memcmp(&now, &c->bits, sizeof(now))) {
		diag("%s, fault %d: ip_local_reserved_ports changed", name, nth);
		return false;
	}
	return true;
}

/* Exit codes of one round's child. */
enum { R_ENOMEM, R_RECOVERED, R_COMPLETE, R_FAILED };

static int round_child(void *arg)
{
	const struct fop *f = ((void **)arg)[0];
	int nth = (int)(intptr_t)((void **)arg)[1];
	struct ctx c;
	int rc, first, left, r;

	child_setup(&c, f);
	fail_nth(nth);
	first = rc = f->run(&c);
	left = fail_nth_left();
	fail_nth(0);
	r = R_FAILED;
	if (rc && rc != -ENOMEM) {
		diag("%s, fault %d: %s, not ENOMEM", f->name, nth,
		     errname(-rc));
	} else if (rc && !unchanged(&c, f->name, nth)) {
		/* diagnosed */
	} else if (rc && (rc = f->run(&c))) {
		diag("%s, fault %d: retry without faults: %s", f->name,
		     nth, errname(-rc));
	} else if (f->run != run_associate &&
		   nr_reservations() <= c.base_lines) {
		diag("%s, fault %d: succeeded but no reservation", f->name,
		     nth);
	} else if (f->verify && f->verify(&c)) {
		/* diagnosed */
	} else {
		/* No fault left unused: one was injected. */
		r = left ? R_COMPLETE : first ? R_ENOMEM : R_RECOVERED;
	}
	_exit(r);
}

static void walk(struct __test_metadata *_metadata, const struct fop *f)
{
	int nth, enomem = 0, recovered = 0;

	faults_setup(0);
	for (nth = 1; nth <= MAX_NTH; nth++) {
		void *arg[2] = { (void *)f, (void *)(intptr_t)nth };
		pid_t pid = fork();
		int st;

		ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
		if (!pid)
			round_child(arg);
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		ASSERT_TRUE(WIFEXITED(st))
			TH_LOG("%s, fault %d: child died", f->name, nth);
		switch (WEXITSTATUS(st)) {
		case R_ENOMEM:
			enomem++;
			break;
		case R_RECOVERED:
			recovered++;
			break;
		case R_COMPLETE:
			faults_off();
			diag("%s: %d allocation points failed: %d ENOMEM, "
			     "%d recovered by the allocator", f->name, nth - 1,
			     enomem, recovered);
			ASSERT_LT(0, enomem)
				TH_LOG("%s: no fault ever reached the caller",
				       f->name);
			return;
		default:
			ASSERT_TRUE(0) TH_LOG("%s, fault %d: failed (above)",
					      f->name, nth);
		}
	}
	ASSERT_TRUE(0) TH_LOG("%s: more than %d allocations?", f->name, MAX_NTH);
}

static void faults_teardown(struct __test_metadata *_metadata)
{
	faults_off();
	portres_teardown(_metadata);
}

/* Each allocation of one operation fails in turn: one variant each. */
FIXTURE(fail_nth) {};

FIXTURE_VARIANT(fail_nth) {
	struct fop f;
};

FIXTURE_VARIANT_ADD(fail_nth, acquire_specific) {
	{ "acquire specific", setup_plain, run_acquire_specific, NULL },
};

FIXTURE_VARIANT_ADD(fail_nth, acquire_wildcard) {
	{ "acquire wildcard", setup_plain, run_acquire_wildcard, NULL },
};

FIXTURE_VARIANT_ADD(fail_nth, acquire_second_on_socket) {
	{ "second acquire", setup_owned, run_acquire_second, NULL },
};

FIXTURE_VARIANT_ADD(fail_nth, associate_socket) {
	{ "associate", setup_owned, run_associate, verify_associate },
};

FIXTURE_VARIANT_ADD(fail_nth, persistent_create) {
	{ "persistent create", setup_ctl, run_persist, NULL },
};

FIXTURE_VARIANT_ADD(fail_nth, persistent_create_given_token) {
	{ "persistent restore", setup_ctl, run_persist_token, NULL },
};

FIXTURE_VARIANT_ADD(fail_nth, uring_acquire) {
	{ "io_uring acquire", setup_ring, run_uring_acquire, NULL },
};

FIXTURE_SETUP(fail_nth)
{
	portres_setup(_metadata, PORTRES_NETNS);
}

FIXTURE_TEARDOWN_PARENT(fail_nth)
{
	faults_teardown(_metadata);
}

TEST_F(fail_nth, enomem_and_nothing_half_made)
{
	walk(_metadata, &variant->f);
}

FIXTURE(random_faults) {};

FIXTURE_SETUP(random_faults)
{
	portres_setup(_metadata, PORTRES_NETNS);
}

FIXTURE_TEARDOWN_PARENT(random_faults)
{
	faults_teardown(_metadata);
}

/* Random faults (probability, task filter) during a mix of operations. */
TEST_F(random_faults, mixed_operations)
{
	static const int ok_errs[] = { 0, ENOMEM, EADDRINUSE, ENOENT, EINVAL,
				       ENOSPC };
	int fds[16], ctl, i, j, nfail = 0, nops = 0;
	uint64_t toks[16] = { 0 };
	struct portset before, after;

	xreserved_ports_read(&before);
	ctl = open("/dev/portres", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ctl) TH_LOG("open /dev/portres: %s", strerror(errno));
	for (i = 0; i < 16; i++)
		fds[i] = xsock(i & 1 ? AF_INET6 : AF_INET,
			       i & 2 ? IPPROTO_UDP : IPPROTO_TCP);
	faults_setup(25);
	file_write("/proc/self/make-it-fail", "1");
	srand(7);
	for (j = 0; j < 600; j++) {
		int k = rand() % 16, op = rand() % 5, e = 0;
		struct inet_port_reservation_instance in;
		struct portres_persistent p = persist_req(0, 0);

		switch (op) {
		case 0:
			e = acquire(fds[k], rand() % 2 ? 0 : BLOCK + rand() % 900,
				    1 + rand() % 8, &in);
			if (!e)
				toks[k] = in.token.token;
			break;
		case 1:
			e = associate(fds[k], toks[rand() % 16]);
			break;
		case 2:
			e = release(fds[k], toks[k]);
			break;
		case 3:
			p.range.start_port = htons(BLOCK + rand() % 900);
			e = ioctl(ctl, PORTRES_IOC_CREATE_PERSISTENT, &p) ?
			    -errno : 0;
			if (!e && ioctl(ctl, PORTRES_IOC_DELETE_PERSISTENT, &p))
				e = -errno;
			break;
		default:
			close(fds[k]);
			fds[k] = socket(AF_INET, k & 2 ? SOCK_DGRAM : SOCK_STREAM,
					0);
			toks[k] = 0;
			break;
		}
		nops++;
		nfail += e == -ENOMEM;
		for (i = 0; i < (int)ARRAY_SIZE(ok_errs); i++)
			if (-e == ok_errs[i])
				break;
		ASSERT_GT((int)ARRAY_SIZE(ok_errs), i)
			TH_LOG("operation %d: %s", op, errname(-e));
	}
	faults_off();
	for (i = 0; i < 16; i++)
		close(fds[i]);
	close(ctl);
	diag("random faults: %d operations, %d ENOMEM", nops, nfail);
	ASSERT_EQ(0, nr_reservations())
		TH_LOG("reservations left after closing every socket");
	xreserved_ports_read(&after);
	ASSERT_EQ(0, memcmp(&before, &after, sizeof(before)))
		TH_LOG("ip_local_reserved_ports not back to empty");
	ASSERT_LT(0, nfail) TH_LOG("no fault was injected");
}

TEST_HARNESS_MAIN
