/* SPDX-License-Identifier: GPL-2.0 */
/* Administrators writing net.ipv4.ip_local_reserved_ports. */
#ifndef _PORTRES_SYSCTL_H
#define _PORTRES_SYSCTL_H

#include "compat.h"

typedef int (*portres_bitmap_handler_fn)(portres_ctl_table_t *table,
					 int write, void *buffer,
					 size_t *lenp, loff_t *ppos);

int portres_sysctl_handler(portres_ctl_table_t *table, int write,
			   void *buffer, size_t *lenp, loff_t *ppos,
			   portres_bitmap_handler_fn handler);

#endif /* _PORTRES_SYSCTL_H */
