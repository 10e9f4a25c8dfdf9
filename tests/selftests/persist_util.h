/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the persistent-reservation selftests (persist, procfs,
 * isolation, compat32, badinput, events): raw /dev/portres ioctls,
 * /proc/net/port_reservations parsing, user-namespace set-up, and a clean-up
 * that deletes what a failed test left behind (for tests not in a netns of
 * their own).
 */
#ifndef PERSIST_UTIL_H
#define PERSIST_UTIL_H

#include "portres_util.h"

#define PORTRES_DEV	"/dev/portres"
#define PROC_RESV	"/proc/net/port_reservations"
#define PROC_HEADER	"proto first last count kind in_use uid pid allow_uid allow_gid token comm refused"
#define ANY_ID		PORTRES_ANY_ID

/* A zeroed shared page a child can write results into; dies on failure. */
void *shared_page(void);

/* Open /dev/portres (read-write); dies on failure. */
int xctl_open(void);
/* One ioctl on the control device: 0 or -errno. */
int ctl_ioctl(int ctl, unsigned long cmd, struct portres_persistent *p);

/*
 * ---- conv1: once here, was copied in persist, isolation and compat32 ----
 */
/* ioctl(fd, cmd, arg) on any file (socket or control device): 0 or -errno. */
int ioctl_err(int fd, unsigned long cmd, const void *arg);
/* Is port's bit set in this namespace's ip_local_reserved_ports? */
bool reserved(int port);
/* bind() of a new socket associated with nothing, closed after: 0 or -errno. */
int outsider_bind(int family, int proto, uint16_t port);
/* ---- end of conv1 ---- */
/* A request for proto/start/n with allowed ids uid/gid. */
struct portres_persistent preq(int proto, uint16_t start, uint16_t n,
			       uint32_t uid, uint32_t gid);
int pcreate(int ctl, int proto, uint16_t start, uint16_t n, uint32_t uid,
	    uint32_t gid, uint64_t *token);
int pcreate_given(int ctl, int proto, uint16_t start, uint16_t n,
		  uint64_t token);
int pdelete(int ctl, int proto, uint16_t start, uint16_t n);
int plookup(int ctl, int proto, uint16_t start, uint16_t n,
	    struct portres_persistent *out);
/* Creates for anyone; dies on failure; returns the token. */
uint64_t xpcreate(int ctl, int proto, uint16_t start, uint16_t n);
void xpdelete(int ctl, int proto, uint16_t start, uint16_t n);

/* One line of /proc/net/port_reservations, split into its 13 fields. */
struct proc_line {
	char f[13][64];
	char raw[512];
};
#define PL_PROTO	0
#define PL_FIRST	1
#define PL_LAST		2
#define PL_COUNT	3
#define PL_KIND		4
#define PL_IN_USE	5
#define PL_UID		6
#define PL_PID		7
#define PL_ALLOW_UID	8
#define PL_ALLOW_GID	9
#define PL_TOKEN	10
#define PL_COMM		11
#define PL_REFUSED	12

#define PROC_MAX_LINES	256
struct proc_listing {
	char header[256];
	int n;
	struct proc_line line[PROC_MAX_LINES];
};
/* Read an open listing from offset 0; 0 or -errno (-EPROTO: bad line). */
int proc_read_fd(int fd, struct proc_listing *l);
int proc_read(const char *path, struct proc_listing *l);
/* The line for proto ("tcp"/"udp") whose first port is first, or NULL. */
const struct proc_line *proc_find(const struct proc_listing *l,
				  const char *proto, uint16_t first);
/* "%016llx" of the token, as the listing shows it to administrators. */
const char *tok_hex(uint64_t token);

/*
 * Delete every persistent reservation of the current namespace inside
 * [lo, hi], now and when the test process exits (even on a failed CHECK):
 * they would otherwise outlive the test and break the next ones.
 */
void persist_cleanup_at_exit(uint16_t lo, uint16_t hi);

/*
 * unshare(CLONE_NEWUSER | CLONE_NEWNET) and map the caller's current
 * uid/gid to root of the new user namespace (the one mapping any user may
 * write). Dies on failure.
 */
void xunshare_user_net(void);

/* setgroups(groups) + setgid(gid) + setuid(uid); dies on failure. */
void become(uid_t uid, gid_t gid, int ngroups, const gid_t *groups);

/* SCM_RIGHTS over a unix socket. */
void send_fd(int sock, int fd);
int recv_fd(int sock);

#endif
