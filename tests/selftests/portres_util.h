/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the portres selftests: socket and ioctl wrappers,
 * sysctl access with automatic restore, the ip_local_reserved_ports bitmap,
 * child processes, errno names and the state every test must keep; the
 * tests themselves run on the kselftest harness (portres_test.h).
 *
 * Wrappers named without an x return 0 (or a value >= 0) or -errno.
 * x-prefixed helpers are for test set-up: they must succeed, and on failure
 * they print a diagnostic and end the test (it is then reported "not ok").
 */
#ifndef PORTRES_UTIL_H
#define PORTRES_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <linux/portres.h>

#ifndef ARRAY_SIZE	/* kselftest.h has the same */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Child exit codes that are not errnos (see child_run()). */
#define CHILD_SETUP_FAILED	200
#define CHILD_KILLED		1000	/* + signal number */

/* "EACCES (Permission denied)" for 13, "0 (success)" for 0. */
const char *errname(int err);
/* "# ..." on stdout, flushed. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define SYSCTL_PORT_RANGE	"/proc/sys/net/ipv4/ip_local_port_range"
#define SYSCTL_RESERVED_PORTS	"/proc/sys/net/ipv4/ip_local_reserved_ports"
#define SYSCTL_UNPRIV_START	"/proc/sys/net/ipv4/ip_unprivileged_port_start"
#define PARAM_MAX_PORTS		"/sys/module/portres/parameters/max_ports_per_user"

#define NOBODY_UID		65534

/*
 * The state every test must leave as it found it: the init_net sysctls
 * SYSCTL_PORT_RANGE, SYSCTL_RESERVED_PORTS, SYSCTL_UNPRIV_START and the global
 * PARAM_MAX_PORTS, in memory shared by all the processes of a test binary.
 * state_begin() snapshots them (call it in init_net, before unshare());
 * own_netns says the test then runs in a network namespace of its own, so
 * xsysctl_set() need not restore /proc/sys/net files (they go with the
 * namespace). state_end(), in init_net after the test's processes are gone,
 * writes back what xsysctl_set() changed, then reports (diag) and repairs
 * whatever else changed; it returns true if everything was kept.
 * portres_test.h calls both; tests do not.
 */
void state_begin(bool own_netns);
bool state_end(void);

/* End the current test (or child) as failed, with a diagnostic. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Sockets: proto is IPPROTO_TCP or IPPROTO_UDP. */
int xsock(int family, int proto);
int sock_family(int fd);
int bind_port(int fd, uint16_t port);	/* wildcard address of fd's family */
int bind_addr(int fd, const char *addr, uint16_t port);
int connect_port(int fd, uint16_t port);	/* loopback of fd's family */
int sendto_port(int fd, uint16_t port);		/* one UDP datagram to loopback */
int local_port(int fd);				/* port or -errno */
int xlistener(int family, uint16_t port);	/* TCP, bound and listening */
int xaccept(int lfd);
void set_int_opt(int fd, int level, int opt, int val);
void close_rst(int fd);		/* close a TCP socket with RST: no TIME_WAIT */
#define TCP_TIME_WAIT_STATE	6	/* as shown in /proc/net/tcp */
bool tcp_port_in_state(uint16_t port, int state);
/* Leaves 127.0.0.1:port in TIME_WAIT, with a listener on lport: 0 or -1. */
int make_time_wait(uint16_t lport, uint16_t port);

/* portres ioctls. */
int acquire(int fd, uint16_t start, uint16_t n,
	    struct inet_port_reservation_instance *out);
uint64_t xacquire(int fd, uint16_t start, uint16_t n, uint16_t *granted);
int associate(int fd, uint64_t token);
int release(int fd, uint64_t token);
void xassociate(int fd, uint64_t token);
void xrelease(int fd, uint64_t token);

static inline bool port_in(int port, uint16_t start, uint16_t n)
{
	return port >= start && port < (int)start + n;
}

/* sysctl / sysfs files. */
int file_read(const char *path, char *buf, size_t size);	/* strips '\n' */
int file_write(const char *path, const char *val);
/* Write val; the original is written back when the test ends. */
void xsysctl_set(const char *path, const char *val);
void get_port_range(int *lo, int *hi);
void xset_port_range(int lo, int hi);

/* ip_local_reserved_ports as a bitmap. */
struct portset {
	uint8_t bits[65536 / 8];
};
void portset_clear(struct portset *s);
static inline bool portset_test(const struct portset *s, int port)
{
	return s->bits[port >> 3] & (1u << (port & 7));
}
static inline void portset_set(struct portset *s, int port)
{
	s->bits[port >> 3] |= 1u << (port & 7);
}
static inline void portset_unset(struct portset *s, int port)
{
	s->bits[port >> 3] &= ~(1u << (port & 7));
}
int portset_parse(struct portset *s, const char *text);
void portset_format(const struct portset *s, char *buf, size_t size);
void xreserved_ports_read(struct portset *s);
void xreserved_ports_write(const struct portset *s);

/*
 * Children. child_run() forks, runs fn(arg) in the child and returns what the
 * child returned, negated, when fn returns 0 or -errno: so the result compares
 * with CHECK_ERR(child_run(...), -EPERM). A child killed by a signal gives
 * -(CHILD_KILLED + sig); a child that died in set-up -CHILD_SETUP_FAILED.
 */
int child_run(int (*fn)(void *), void *arg);
pid_t child_start(int (*fn)(void *), void *arg);
int child_wait(pid_t pid);
void drop_to_uid(uid_t uid);
/*
 * The guest's / comes from a mktemp -d directory (mode 0700): make it
 * traversable so that unprivileged users reach /dev/portres, /proc, /tests.
 */
void root_traversable(void);
void drop_cap(int cap);

/* One-byte signalling over a pipe pair, for parent/child hand-shakes. */
struct hs {
	int to_child[2];
	int to_parent[2];
};
void hs_init(struct hs *h);
/* Close the other side's ends, so that hs_wait() sees a peer that died. */
void hs_child_side(struct hs *h);
void hs_parent_side(struct hs *h);
void hs_post(int fd);
void hs_wait(int fd);	/* dies if the peer went away */

/*
 * conv2: unloading and loading the module (events, unload, stress, attach),
 * as rmmod and insmod do. Module unload is global. module_params_read()
 * puts the loaded module's parameters as "name=value ..." in buf (empty
 * when it is not loaded): read them before an unload and give them to
 * load_module(), which loads $PORTRES_KO (default /portres.ko) with them.
 * Both return 0 or -errno. module_params_saved() gives them as they were
 * when the test program started (read then, before any test unloads it;
 * dies if they could not be read).
 */
#define MODULE_DIR		"/sys/module/portres"
bool module_loaded(void);
int module_params_read(char *buf, size_t size);
const char *module_params_saved(void);
int unload_module(void);
int load_module(const char *params);

#endif /* PORTRES_UTIL_H */
