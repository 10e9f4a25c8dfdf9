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

#endif
