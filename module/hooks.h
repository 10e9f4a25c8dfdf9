/* SPDX-License-Identifier: GPL-2.0 */
/* The ftrace redirections of kernel functions. */
#ifndef _PORTRES_HOOKS_H
#define _PORTRES_HOOKS_H

/* The control hooks (socket ioctls, sysctl): for as long as the module. */
int portres_hooks_install(void);
void portres_hooks_remove(void);

#endif /* _PORTRES_HOOKS_H */
