/* SPDX-License-Identifier: GPL-2.0 */
/* Acquires that wait for a held block (PORTRES_F_WAIT). */
#ifndef _PORTRES_WAIT_H
#define _PORTRES_WAIT_H

#include <linux/types.h>

struct socket;

int portres_acquire_wait(struct socket *sock, int proto, void __user *arg);

#endif /* _PORTRES_WAIT_H */
