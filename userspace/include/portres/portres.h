/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libportres: Windows-style port reservations on Linux (the portres module).
 *
 * Every function returns 0 (or a file descriptor / count) on success and a
 * negative errno on failure, like liburing; errno is left alone.
 * portres_strerror() turns such a value into a sentence.
 */
#ifndef PORTRES_PORTRES_H
#define PORTRES_PORTRES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/portres.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PORTRES_DEV_PATH	"/dev/portres"
#define PORTRES_PROC_PATH	"/proc/net/port_reservations"

/* ---- runtime reservations, on a TCP or UDP socket ---- */

/*
 * Reserve count ports starting at first_port (host byte order; 0 = any free
 * block). out (may be NULL) receives the granted block and the token; its
 * start_port is in network byte order, as in the uapi.
 */
int portres_acquire(int sockfd, uint16_t first_port, uint16_t count,
		    struct inet_port_reservation_instance *out);
/* Make sockfd's bind()/connect() take its port from the reservation. */
int portres_associate(int sockfd, uint64_t token);
/* End a runtime reservation of this process. */
int portres_release(int sockfd, uint64_t token);

/* ---- persistent reservations, through /dev/portres ---- */

/* Open the control device: fd, or -ENOENT when the module is not loaded. */
int portres_open(void);
/*
 * p->protocol (IPPROTO_TCP/UDP) and p->range (start_port in network byte
 * order) select the block. create: allowed_uid/allowed_gid (PORTRES_ANY_ID
 * = anyone), flags PORTRES_F_GIVEN_TOKEN with p->token to restore; fills
 * p->token. lookup fills token, allowed_uid and allowed_gid.
 * ctlfd < 0: open /dev/portres for this one call.
 */
int portres_persistent_create(int ctlfd, struct portres_persistent *p);
int portres_persistent_delete(int ctlfd, struct portres_persistent *p);
int portres_persistent_lookup(int ctlfd, struct portres_persistent *p);

/* Fill p for protocol and the block first..first+count-1 (host order). */
void portres_persistent_init(struct portres_persistent *p, int protocol,
			     uint16_t first_port, uint16_t count);

/* ---- the listing, /proc/net/port_reservations ---- */

#define PORTRES_NO_PID		(-1)
#define PORTRES_COMM_MAX	64

struct portres_entry {
	int protocol;			/* IPPROTO_TCP or IPPROTO_UDP */
	bool persistent;		/* else runtime */
	uint16_t first, last;		/* host byte order, inclusive */
	uint32_t count;
	uint32_t in_use;		/* ports of the block bound now */
	uint32_t uid;			/* acquirer or creator */
	int32_t pid;			/* acquirer; PORTRES_NO_PID if none */
	uint32_t allowed_uid;		/* PORTRES_ANY_ID = anyone */
	uint32_t allowed_gid;		/* PORTRES_ANY_ID = anyone */
	bool token_visible;		/* reader had CAP_NET_ADMIN */
	uint64_t token;			/* 0 unless token_visible */
	char comm[PORTRES_COMM_MAX];	/* unescaped; "" if none */
	uint64_t refused;		/* binds into the block refused so far */
};

/*
 * Read this network namespace's reservations (TCP first, by port) into a
 * malloc'ed array; free it with portres_list_free(). -ENOENT: no module.
 * It asks the generic netlink family "portres" (a module without it: the
 * /proc listing); portres_list_proc() reads the /proc text.
 */
int portres_list(struct portres_entry **out, size_t *n);
int portres_list_proc(struct portres_entry **out, size_t *n);
/* The same from any stream in that format; -EBADMSG on a malformed line. */
int portres_list_parse(FILE *f, struct portres_entry **out, size_t *n);
void portres_list_free(struct portres_entry *list);

/* ---- notifications: reservations made and ended, as they happen ---- */

enum portres_event_type {
	PORTRES_EVENT_NEW = 1,		/* a reservation was made */
	PORTRES_EVENT_DEL,		/* one ended; .reason says why */
	PORTRES_EVENT_LOADED,		/* the module was loaded (again) */
	PORTRES_EVENT_UNLOADED,		/* the module went away */
};

struct portres_event {
	int type;			/* enum portres_event_type */
	int reason;			/* DEL: PORTRES_REASON_* (linux/portres.h) */
	struct portres_entry entry;	/* NEW, DEL: no token, no in_use */
};

/*
 * A socket that receives the notifications of this network namespace
 * (close it with close()), or -errno (-ENOENT: no module).
 */
int portres_monitor_open(void);
/*
 * Wait for the next message: its type (> 0) with *ev filled, 0 for a
 * message that is none of ours, -ENOBUFS when notifications were lost
 * (read the list again), or -errno. After PORTRES_EVENT_LOADED the
 * socket listens to the new module.
 */
int portres_monitor_read(int fd, struct portres_event *ev);
/* "release", "close", "delete", "netns", "unload", "abort" or NULL. */
const char *portres_reason_name(int reason);

/*
 * A sentence for err (a negative errno from this library). When err is what
 * the calling thread's last failed libportres call returned, the sentence is
 * about that operation (EPERM of create: "needs CAP_NET_ADMIN"; ENOTTY of a
 * socket ioctl and ENOENT of portres_open: "portres module not loaded").
 */
const char *portres_strerror(int err);
/* True if err from the last failed call means that the module is missing. */
bool portres_module_missing(int err);

/* "tcp", "udp" or NULL; and back (0 if unknown). */
const char *portres_proto_name(int protocol);
int portres_proto_parse(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* PORTRES_PORTRES_H */
