/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* libportres internals shared by its source files. */
#ifndef PORTRES_INTERNAL_H
#define PORTRES_INTERNAL_H

#include "portres/portres.h"

enum portres_op {
	PR_OP_NONE,
	PR_OP_ACQUIRE,
	PR_OP_ASSOCIATE,
	PR_OP_RELEASE,
	PR_OP_OPEN,
	PR_OP_CREATE,
	PR_OP_DELETE,
	PR_OP_LOOKUP,
	PR_OP_LIST,
};

/* Remember which operation failed with err (for portres_strerror), return err. */
__attribute__((visibility("hidden")))
int portres__fail(enum portres_op op, int err);

/*
 * The Windows-style layer (winsock_compat.c) and its overlapped half
 * (overlapped.c, built with liburing). WSAIoctl() has checked the arguments
 * and built the kernel structure in *arg (inst or token); out is the
 * caller's output buffer (acquire) or NULL. Weak: a static link takes
 * overlapped.o only with the other overlapped calls (WSACreateEvent,
 * WSAGetOverlappedResult, ...); without it overlapped WSAIoctl() fails
 * with WSAEOPNOTSUPP.
 */
union portres__wsa_arg {
	struct inet_port_reservation_instance inst;
	struct inet_port_reservation_token tok;
};

__attribute__((visibility("hidden")))
int portres__wsa_fail(int err);

__attribute__((visibility("hidden"), weak))
int portres__wsa_overlapped(int s, unsigned int code, unsigned int flags,
			    const union portres__wsa_arg *arg, void *out,
			    unsigned int out_bytes, void *overlapped);

#endif
