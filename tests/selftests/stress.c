// SPDX-License-Identifier: GPL-2.0
/*
 * Stress and races, for the debug test kernel (KASAN, lockdep, kmemleak):
 * many processes and threads acquiring, associating, binding, connecting,
 * releasing, closing, forking and making network namespaces at once; the
 * module unloaded and loaded again while threads bind and connect; a
 * reservation released while another thread binds its associated sockets.
 * Each test ends with no reservation left and ip_local_reserved_ports as it
 * was; the harness then scans for leaks and splats. Prints what it covered.
 *
 * Time: PORTRES_STRESS_SECS (default 30) for the mixed test, half of it for
 * each of the two race tests.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "portres_test.h"

#define SPEC_BASE	20000
#define SPEC_SPAN	5000
#define NPROC		6
#define NTHREAD		4
#define POOL		12	/* sockets a thread keeps open */
#define NTOK		64	/* tokens a process remembers */

enum op {
	OP_ACQUIRE, OP_ASSOCIATE, OP_BIND, OP_CONNECT, OP_OUTSIDER, OP_RELEASE,
	OP_CLOSE, OP_FORK, OP_NETNS, OP_PERSIST, NR_OPS,
};
static const char *const op_names[NR_OPS] = {
	"acquire", "associate", "bind", "connect", "outsider-bind", "release",
	"close", "fork", "netns", "persistent",
};

/* Shared by every process of a test (MAP_SHARED). */
struct shared {
	atomic_long ops[NR_OPS];
	atomic_long ok[NR_OPS];
	atomic_long unexpected;
	atomic_long procs;
	atomic_long reloads;
	atomic_int stop;
	char first_error[256];
	atomic_int have_error;
};
static struct shared *sh;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int stress_secs(void)
{
	const char *s = getenv("PORTRES_STRESS_SECS");
	int v = s ? atoi(s) : 0;

	return v > 0 ? v : 30;
}

static void unexpected(const char *what, int err)
{
	atomic_fetch_add(&sh->unexpected, 1);
	if (!atomic_exchange(&sh->have_error, 1))
		snprintf(sh->first_error, sizeof(sh->first_error),
			 "%s: %s", what, errname(-err));
}

/* err is 0 or -errno; the errnos a racing operation may legitimately get. */
static void account(enum op op, int err, const int *allowed)
{
	atomic_fetch_add(&sh->ops[op], 1);
	if (!err) {
		atomic_fetch_add(&sh->ok[op], 1);
		return;
	}
	for (; *allowed; allowed++)
		if (-err == *allowed)
			return;
	unexpected(op_names[op], err);
}

static const int acq_errs[] = { EADDRINUSE, ENOSPC, 0 };
static const int assoc_errs[] = { ENOENT, EINVAL, 0 };
static const int bind_errs[] = { EADDRNOTAVAIL, EADDRINUSE, EINVAL, 0 };
static const int conn_errs[] = { EADDRNOTAVAIL, EADDRINUSE, EAGAIN,
				 ECONNRESET, EINVAL, EISCONN, 0 };
static const int out_errs[] = { EACCES, EADDRINUSE, 0 };
static const int rel_errs[] = { ENOENT, 0 };
static const int none[] = { 0 };

struct tok {
	uint64_t token;
	uint16_t first, n;
	int proto;
};

struct proc_state {
	pthread_mutex_t lock;
	struct tok toks[NTOK];
	int ntok;
	int lport;		/* this process's TCP listener */
	unsigned int seed;
};
static struct proc_state ps;

struct thr {
	int fd[POOL];
	int proto[POOL];
	uint64_t assoc[POOL];	/* token associated with, 0 if none */
	unsigned int seed;
};

static unsigned int rnd(struct thr *t, unsigned int n)
{
	return rand_r(&t->seed) % n;
}

static void tok_add(uint64_t token, uint16_t first, uint16_t n, int proto)
{
	pthread_mutex_lock(&ps.lock);
	ps.toks[ps.ntok < NTOK ? ps.ntok++ : (int)(token % NTOK)] =
		(struct tok){ token, first, n, proto };
	pthread_mutex_unlock(&ps.lock);
}

static bool tok_pick(struct thr *t, int proto, struct tok *out)
{
	bool found = false;
	int i, start;

	pthread_mutex_lock(&ps.lock);
	if (ps.ntok) {
		start = rnd(t, ps.ntok);
		for (i = 0; i < ps.ntok && !found; i++) {
			struct tok *k = &ps.toks[(start + i) % ps.ntok];

			if (proto < 0 || k->proto == proto) {
				*out = *k;
				found = true;
			}
		}
	}
	pthread_mutex_unlock(&ps.lock);
	return found;
}

static bool tok_find(uint64_t token, struct tok *out)
{
	bool found = false;
	int i;

	pthread_mutex_lock(&ps.lock);
	for (i = 0; i < ps.ntok && !found; i++)
		if (ps.toks[i].token == token) {
			*out = ps.toks[i];
			found = true;
		}
	pthread_mutex_unlock(&ps.lock);
	return found;
}

static int slot_sock(struct thr *t, int i)
{
	if (t->fd[i] < 0) {
		int family = rnd(t, 2) ? AF_INET : AF_INET6;

		t->proto[i] = rnd(t, 2) ? IPPROTO_TCP : IPPROTO_UDP;
		t->fd[i] = socket(family, t->proto[i] == IPPROTO_TCP ?
				  SOCK_STREAM : SOCK_DGRAM, t->proto[i]);
		t->assoc[i] = 0;
		if (t->fd[i] < 0)
			unexpected("socket", -errno);
	}
	return t->fd[i];
}

static void slot_close(struct thr *t, int i)
{
	if (t->fd[i] >= 0) {
		if (t->proto[i] == IPPROTO_TCP)
			close_rst(t->fd[i]);
		else
			close(t->fd[i]);
	}
	t->fd[i] = -1;
}

static void op_acquire(struct thr *t)
{
	int i = rnd(t, POOL), fd = slot_sock(t, i);
	struct inet_port_reservation_instance res;
	uint16_t start = 0, n = 1 + rnd(t, 8);
	int err;

	if (rnd(t, 2))
		start = SPEC_BASE + rnd(t, SPEC_SPAN - 16);
	err = acquire(fd, start, n, &res);
	account(OP_ACQUIRE, err, acq_errs);
	if (!err)
		tok_add(res.token.token, ntohs(res.reservation.start_port), n,
			t->proto[i]);
}

/* A random slot, its socket, and a live token of its protocol (if any). */
static bool pick_slot_token(struct thr *t, int *i, int *fd, struct tok *k)
{
	*i = rnd(t, POOL);
	*fd = slot_sock(t, *i);
	return tok_pick(t, t->proto[*i], k);
}

static void op_associate(struct thr *t)
{
	int i, fd, err;
	struct tok k;

	if (!pick_slot_token(t, &i, &fd, &k))
		return;
	err = associate(fd, k.token);
	/* A bound or already associated socket: EINVAL. */
	account(OP_ASSOCIATE, err, assoc_errs);
	if (!err)
		t->assoc[i] = k.token;
}

static void op_bind(struct thr *t)
{
	int i = rnd(t, POOL), fd = slot_sock(t, i), err, port;
	struct tok k;

	if (!t->assoc[i] || !tok_find(t->assoc[i], &k)) {
		/* Not associated: an ephemeral port, never a reserved one. */
		err = bind_port(fd, 0);
		account(OP_BIND, err, bind_errs);
		return;
	}
	port = rnd(t, 2) ? 0 : k.first + rnd(t, k.n);
	err = bind_port(fd, port);
	account(OP_BIND, err, bind_errs);
	if (!err) {
		int got = local_port(fd);

		if (!port_in(got, k.first, k.n))
			unexpected("associated bind outside its block", -EPROTO);
	}
}

static void op_connect(struct thr *t)
{
	int i = rnd(t, POOL), fd = slot_sock(t, i), err;
	struct tok k;

	if (t->proto[i] == IPPROTO_TCP)
		err = connect_port(fd, ps.lport);
	else
		err = connect_port(fd, 9);
	account(OP_CONNECT, err, conn_errs);
	if (!err && t->assoc[i] && tok_find(t->assoc[i], &k) &&
	    !port_in(local_port(fd), k.first, k.n))
		unexpected("associated connect outside its block", -EPROTO);
	if (!err)
		slot_close(t, i);
}

static void op_outsider(struct thr *t)
{
	int proto = rnd(t, 2) ? IPPROTO_TCP : IPPROTO_UDP;
	int fd = socket(AF_INET, proto == IPPROTO_TCP ? SOCK_STREAM :
			SOCK_DGRAM, proto);
	struct tok k;
	int err;

	if (fd < 0)
		return unexpected("socket", -errno);
	/* Into a block this process holds: EACCES unless it just went. */
	if (tok_pick(t, proto, &k))
		err = bind_port(fd, k.first + rnd(t, k.n));
	else
		err = bind_port(fd, SPEC_BASE + rnd(t, SPEC_SPAN));
	account(OP_OUTSIDER, err, out_errs);
	close(fd);
}

static void op_release(struct thr *t)
{
	int i, fd, err;
	struct tok k;

	if (!pick_slot_token(t, &i, &fd, &k))
		return;
	err = release(fd, k.token);
	account(OP_RELEASE, err, rel_errs);
}

static void op_close(struct thr *t)
{
	slot_close(t, rnd(t, POOL));
	atomic_fetch_add(&sh->ops[OP_CLOSE], 1);
	atomic_fetch_add(&sh->ok[OP_CLOSE], 1);
}

/* A child of a threaded process: raw system calls only, then _exit. */
static void op_fork(struct thr *t)
{
	struct tok k;
	bool have = tok_pick(t, -1, &k);
	pid_t pid;
	int st;

	pid = fork();
	if (pid < 0)
		return unexpected("fork", -errno);
	if (!pid) {
		int fd = socket(AF_INET, have && k.proto == IPPROTO_TCP ?
				SOCK_STREAM : SOCK_DGRAM, 0), rc = 0;

		/* Another process may not consume this one's tokens. */
		if (have) {
			int e = associate(fd, k.token);

			if (e != -EPERM && e != -ENOENT)
				rc = 1;
		}
		acquire(fd, 0, 2, NULL);	/* ends with the child */
		_exit(rc);
	}
	atomic_fetch_add(&sh->procs, 1);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		unexpected("fork child", -ECHILD);
	else
		account(OP_FORK, WEXITSTATUS(st) ? -EPERM : 0, none);
}

static int persist_create(uint16_t start, uint16_t n, uint64_t *token)
{
	struct portres_persistent p = {
		.protocol = IPPROTO_TCP,
		.range = { .start_port = htons(start), .number_of_ports = n },
		.allowed_uid = PORTRES_ANY_ID,
		.allowed_gid = PORTRES_ANY_ID,
	};
	int fd = open("/dev/portres", O_RDWR | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, PORTRES_IOC_CREATE_PERSISTENT, &p))
		err = -errno;
	else if (token)
		*token = p.token;
	close(fd);
	return err;
}

/*
 * A child in a network namespace of its own: reservations of every kind
 * and bound sockets, all left for the namespace's end to clean up.
 */
static void op_netns(struct thr *t)
{
	uint16_t base = SPEC_BASE + rnd(t, 100);
	pid_t pid;
	int st;

	pid = fork();
	if (pid < 0)
		return unexpected("fork", -errno);
	if (!pid) {
		int a, b, c, rc = 0;
		uint64_t tok = 0;

		if (unshare(CLONE_NEWNET))
			_exit(2);
		a = socket(AF_INET, SOCK_STREAM, 0);
		b = socket(AF_INET6, SOCK_STREAM, 0);
		c = socket(AF_INET, SOCK_DGRAM, 0);
		/* A new namespace: the same block is free there. */
		if (acquire(a, base, 8, NULL) || acquire(c, 0, 4, NULL))
			rc = 3;
		if (persist_create(base + 100, 4, &tok))
			rc = 4;
		if (!rc && (associate(b, tok) || bind_port(b, 0) ||
			    !port_in(local_port(b), base + 100, 4)))
			rc = 5;
		if (!rc && listen(b, 4))
			rc = 6;
		_exit(rc);
	}
	atomic_fetch_add(&sh->procs, 1);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
		unexpected("netns child", -ECHILD);
	} else {
		account(OP_NETNS, WEXITSTATUS(st) ? -EPROTO : 0, none);
	}
}

static void op_persist(struct thr *t)
{
	uint16_t start = SPEC_BASE + rnd(t, SPEC_SPAN - 16);
	struct portres_persistent p = {
		.protocol = IPPROTO_TCP,
		.range = { .start_port = htons(start), .number_of_ports = 4 },
		.allowed_uid = PORTRES_ANY_ID,
		.allowed_gid = PORTRES_ANY_ID,
	};
	int fd, err;

	err = persist_create(start, 4, NULL);
	account(OP_PERSIST, err, acq_errs);
	if (err)
		return;
	fd = open("/dev/portres", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, PORTRES_IOC_DELETE_PERSISTENT, &p))
		unexpected("persistent delete", -errno);
	if (fd >= 0)
		close(fd);
}

/* The mix: each operation up to its percentile of rnd(t, 100). */
static const struct {
	unsigned int below;
	void (*op)(struct thr *t);
} mix[] = {
	{ 18, op_acquire }, { 33, op_associate }, { 50, op_bind },
	{ 60, op_connect }, { 68, op_outsider }, { 78, op_release },
	{ 92, op_close }, { 95, op_fork }, { 97, op_netns }, { 100, op_persist },
};

static void *worker(void *arg)
{
	struct thr *t = arg;
	int i;

	for (i = 0; i < POOL; i++)
		t->fd[i] = -1;
	while (!atomic_load(&sh->stop)) {
		unsigned int r = rnd(t, 100), k = 0;

		while (r >= mix[k].below)
			k++;
		mix[k].op(t);
	}
	for (i = 0; i < POOL; i++)
		slot_close(t, i);
	return NULL;
}

static void *acceptor(void *arg)
{
	int lfd = *(int *)arg;

	for (;;) {
		int c = accept(lfd, NULL, NULL);

		if (c < 0 && (errno == EINVAL || errno == EBADF))
			return NULL;	/* shut down */
		if (c < 0)
			continue;
		close_rst(c);
	}
}

static int stress_process(unsigned int seed)
{
	pthread_t th[NTHREAD], acc;
	struct thr t[NTHREAD];
	int i, lfd;

	pthread_mutex_init(&ps.lock, NULL);
	ps.seed = seed;
	lfd = xlistener(AF_INET6, 0);
	ps.lport = local_port(lfd);
	pthread_create(&acc, NULL, acceptor, &lfd);
	for (i = 0; i < NTHREAD; i++) {
		t[i].seed = seed * 31 + i;
		pthread_create(&th[i], NULL, worker, &t[i]);
	}
	for (i = 0; i < NTHREAD; i++)
		pthread_join(th[i], NULL);
	shutdown(lfd, SHUT_RDWR);
	pthread_join(acc, NULL);
	close(lfd);
	return 0;
}

static void shared_init(void)
{
	if (!sh) {
		sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (sh == MAP_FAILED)
			die("mmap: %s", strerror(errno));
	}
	memset(sh, 0, sizeof(*sh));
}

/* Only the header line: no reservation of any kind is left. */
static int no_reservations(void)
{
	char buf[4096];
	int i, err;

	/* Namespaces of children end asynchronously: give them time. */
	for (i = 0; i < 100; i++) {
		err = file_read("/proc/net/port_reservations", buf, sizeof(buf));
		if (err)
			return err;
		if (!strchr(buf, '\n'))
			return 0;
		usleep(100000);
	}
	diag("left over: %.300s", buf);
	return -EEXIST;
}

static void report(const char *name, double secs)
{
	char line[1024];
	long total = 0;
	size_t len = 0;
	int i;

	for (i = 0; i < NR_OPS; i++) {
		long n = atomic_load(&sh->ops[i]);

		total += n;
		if (n)
			len += snprintf(line + len, sizeof(line) - len,
					" %s=%ld/%ld", op_names[i],
					atomic_load(&sh->ok[i]), n);
	}
	diag("%s: %ld operations in %.1f s, %ld processes, %ld reloads",
	     name, total, secs, atomic_load(&sh->procs),
	     atomic_load(&sh->reloads));
	diag("%s: succeeded/attempted:%s", name, line);
}

/* Reservations of the test's own namespace (and of those it makes). */
PORTRES_FIXTURE(stress, PORTRES_NETNS);

/* A process that writes to a connection reset by a racing thread. */
static void __attribute__((constructor)) ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

TEST_F_TIMEOUT(stress, mixed_processes_threads_forks_netns, stress_secs() + 120)
{
	struct portset before, after;
	int secs = stress_secs(), i, st, bad = 0;
	pid_t pids[NPROC];
	double t0 = now();

	shared_init();
	xreserved_ports_read(&before);
	for (i = 0; i < NPROC; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork: %s", strerror(errno));
		if (!pids[i])
			_exit(stress_process(1000 + i));
		atomic_fetch_add(&sh->procs, 1);
	}
	sleep(secs);
	atomic_store(&sh->stop, 1);
	for (i = 0; i < NPROC; i++)
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			bad++;
	report("mixed", now() - t0);
	ASSERT_EQ(0, bad) TH_LOG("%d stress processes failed", bad);
	ASSERT_EQ(0, atomic_load(&sh->unexpected))
		TH_LOG("unexpected results, first: %s", sh->first_error);
	ASSERT_LT(0, atomic_load(&sh->ok[OP_ACQUIRE])) TH_LOG("no acquire succeeded");
	ASSERT_LT(0, atomic_load(&sh->ok[OP_BIND])) TH_LOG("no bind succeeded");
	ASSERT_LT(0, atomic_load(&sh->ok[OP_NETNS])) TH_LOG("no namespace child ran");
	ASSERT_OK(no_reservations());
	xreserved_ports_read(&after);
	ASSERT_EQ(0, memcmp(&before, &after, sizeof(before)))
		TH_LOG("ip_local_reserved_ports differs from before the stress");
}

/* ---- unload and load while others bind and connect ---- */

static int reload_lport;

/* Binds and connects, associated or not, whether the module is there or not. */
static void *reload_worker(void *arg)
{
	struct thr *t = arg;
	static const int a_errs[] = { ENOTTY, EADDRINUSE, ENOSPC, 0 };
	static const int s_errs[] = { ENOTTY, ENOENT, 0 };
	static const int b_errs[] = { EADDRNOTAVAIL, EADDRINUSE, EAGAIN,
				      ECONNRESET, 0 };

	while (!atomic_load(&sh->stop)) {
		int proto = rnd(t, 2) ? IPPROTO_TCP : IPPROTO_UDP;
		int type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
		int owner = socket(AF_INET, type, 0);
		int s = socket(rnd(t, 2) ? AF_INET : AF_INET6, type, 0);
		int o = socket(AF_INET, type, 0);
		struct inet_port_reservation_instance res = {};
		int err;

		err = acquire(owner, 0, 4, &res);
		account(OP_ACQUIRE, err, a_errs);
		if (!err) {
			err = associate(s, res.token.token);
			account(OP_ASSOCIATE, err, s_errs);
		}
		if (proto == IPPROTO_TCP && rnd(t, 2)) {
			err = connect_port(s, reload_lport);
			account(OP_CONNECT, err, b_errs);
		} else {
			err = bind_port(s, 0);
			account(OP_BIND, err, b_errs);
		}
		err = proto == IPPROTO_TCP ? connect_port(o, reload_lport) :
					     bind_port(o, 0);
		account(OP_OUTSIDER, err, b_errs);
		if (rnd(t, 2) && !release(owner, res.token.token))
			atomic_fetch_add(&sh->ok[OP_RELEASE], 1);
		if (proto == IPPROTO_TCP) {
			close_rst(s);
			close_rst(o);
		} else {
			close(s);
			close(o);
		}
		close(owner);
	}
	return NULL;
}

/* init_net: unloading the module is global. */
PORTRES_FIXTURE(reload, PORTRES_INIT_NET);

TEST_F_TIMEOUT(reload, unload_while_binding_and_connecting,
	       (stress_secs() + 1) / 2 + 180)
{
	int secs = (stress_secs() + 1) / 2, i, lfd, err;
	struct portset before, after;
	pthread_t th[NTHREAD], acc;
	struct thr t[NTHREAD];
	char params[1024];
	double t0 = now();

	shared_init();
	ASSERT_TRUE(module_loaded()) TH_LOG("portres not loaded");
	ASSERT_OK(module_params_read(params, sizeof(params)));
	xreserved_ports_read(&before);
	lfd = xlistener(AF_INET6, 0);
	reload_lport = local_port(lfd);
	pthread_create(&acc, NULL, acceptor, &lfd);
	for (i = 0; i < NTHREAD; i++) {
		t[i].seed = 77 + i;
		pthread_create(&th[i], NULL, reload_worker, &t[i]);
	}
	while (now() - t0 < secs) {
		usleep(50000 + rand() % 200000);
		err = unload_module();
		if (err == -EAGAIN || err == -EBUSY || err == -EWOULDBLOCK)
			continue;
		if (err) {
			unexpected("delete_module", err);
			break;
		}
		usleep(rand() % 100000);
		err = load_module(params);
		if (err) {
			unexpected("finit_module", err);
			break;
		}
		atomic_fetch_add(&sh->reloads, 1);
	}
	atomic_store(&sh->stop, 1);
	for (i = 0; i < NTHREAD; i++)
		pthread_join(th[i], NULL);
	shutdown(lfd, SHUT_RDWR);
	pthread_join(acc, NULL);
	close(lfd);
	if (!module_loaded())
		ASSERT_OK(load_module(params));
	atomic_fetch_add(&sh->procs, 1);
	report("unload", now() - t0);
	ASSERT_OK(no_reservations());
	xreserved_ports_read(&after);
	ASSERT_EQ(0, memcmp(&before, &after, sizeof(before)))
		TH_LOG("ip_local_reserved_ports differs after the reloads");
	ASSERT_EQ(0, atomic_load(&sh->unexpected))
		TH_LOG("unexpected results, first: %s", sh->first_error);
	ASSERT_LT(0, atomic_load(&sh->reloads))
		TH_LOG("the module was never reloaded");
}

/* ---- release racing with binds of associated sockets ---- */

#define RACE_N		4
#define RACE_SOCKS	6

static struct {
	pthread_barrier_t go, done;
	int fd[RACE_SOCKS];
	uint16_t first;
	int proto;
} race;

static void *race_binder(void *arg)
{
	static const int errs[] = { EADDRNOTAVAIL, EADDRINUSE, EAGAIN, 0 };
	int i, err;

	(void)arg;
	for (;;) {
		pthread_barrier_wait(&race.go);
		if (atomic_load(&sh->stop))
			return NULL;
		for (i = 0; i < RACE_SOCKS; i++) {
			if (race.proto == IPPROTO_UDP && i & 1)
				err = sendto_port(race.fd[i], 9);
			else
				err = bind_port(race.fd[i], 0);
			account(OP_BIND, err, errs);
			if (!err && !port_in(local_port(race.fd[i]), race.first,
					     RACE_N))
				unexpected("bind outside the block", -EPROTO);
		}
		pthread_barrier_wait(&race.done);
	}
}

TEST_F_TIMEOUT(stress, release_while_binding, (stress_secs() + 1) / 2 + 120)
{
	int secs = (stress_secs() + 1) / 2, i, rounds = 0;
	struct portset before, after;
	double t0 = now();
	pthread_t th;

	shared_init();
	xreserved_ports_read(&before);
	pthread_barrier_init(&race.go, NULL, 2);
	pthread_barrier_init(&race.done, NULL, 2);
	pthread_create(&th, NULL, race_binder, NULL);
	while (now() - t0 < secs) {
		int proto = rounds & 1 ? IPPROTO_UDP : IPPROTO_TCP;
		int owner = xsock(AF_INET, proto);
		uint64_t tok;

		race.proto = proto;
		tok = xacquire(owner, 0, RACE_N, &race.first);
		for (i = 0; i < RACE_SOCKS; i++) {
			race.fd[i] = xsock(i & 2 ? AF_INET6 : AF_INET, proto);
			xassociate(race.fd[i], tok);
		}
		pthread_barrier_wait(&race.go);
		for (i = rand() % 64; i > 0; i--)
			sched_yield();
		if (rounds % 3 == 2)
			close(owner);	/* the end of the acquiring socket */
		else
			account(OP_RELEASE, release(owner, tok), none);
		pthread_barrier_wait(&race.done);
		for (i = 0; i < RACE_SOCKS; i++)
			proto == IPPROTO_TCP ? close_rst(race.fd[i]) :
					       (void)close(race.fd[i]);
		if (rounds % 3 != 2)
			close(owner);
		rounds++;
	}
	atomic_store(&sh->stop, 1);
	pthread_barrier_wait(&race.go);
	pthread_join(th, NULL);
	report("release-race", now() - t0);
	diag("release-race: %d rounds", rounds);
	ASSERT_EQ(0, atomic_load(&sh->unexpected))
		TH_LOG("unexpected results, first: %s", sh->first_error);
	ASSERT_OK(no_reservations());
	xreserved_ports_read(&after);
	ASSERT_EQ(0, memcmp(&before, &after, sizeof(before)))
		TH_LOG("ip_local_reserved_ports differs after the races");
}

TEST_HARNESS_MAIN
