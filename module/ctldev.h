/* SPDX-License-Identifier: GPL-2.0 */
/* The control device /dev/portres. */
#ifndef _PORTRES_CTLDEV_H
#define _PORTRES_CTLDEV_H

int portres_ctldev_init(void);
void portres_ctldev_exit(void);

#endif /* _PORTRES_CTLDEV_H */
