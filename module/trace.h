/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of portres (tracefs events/portres/): reservations made,
 * ended (with the reason), sockets associated, and binds refused. pid and
 * comm are the process that caused the event (rmmod or a kernel worker
 * for unload and namespace exit); netns is the namespace's inode number,
 * as in /proc/PID/ns/net. Tokens are never traced.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM portres

#if !defined(_PORTRES_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PORTRES_TRACE_H

#include <linux/in.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/uidgid.h>
#include <net/net_namespace.h>
#include <linux/portres.h>

#include "table.h"

/* Enum values in the print formats, for perf and trace-cmd to decode. */
TRACE_DEFINE_ENUM(IPPROTO_TCP);
TRACE_DEFINE_ENUM(IPPROTO_UDP);
TRACE_DEFINE_ENUM(PORTRES_KIND_RUNTIME);
TRACE_DEFINE_ENUM(PORTRES_KIND_PERSISTENT);
TRACE_DEFINE_ENUM(PORTRES_REASON_RELEASE);
TRACE_DEFINE_ENUM(PORTRES_REASON_CLOSE);
TRACE_DEFINE_ENUM(PORTRES_REASON_DELETE);
TRACE_DEFINE_ENUM(PORTRES_REASON_NETNS);
TRACE_DEFINE_ENUM(PORTRES_REASON_UNLOAD);
TRACE_DEFINE_ENUM(PORTRES_REASON_ABORT);

#define portres_show_proto(p)						\
	__print_symbolic(p, { IPPROTO_TCP, "tcp" }, { IPPROTO_UDP, "udp" })
#define portres_show_kind(k)						\
	__print_symbolic(k, { PORTRES_KIND_RUNTIME, "runtime" },	\
			 { PORTRES_KIND_PERSISTENT, "persistent" })
#define portres_show_reason(r)						\
	__print_symbolic(r, { PORTRES_REASON_RELEASE, "release" },	\
			 { PORTRES_REASON_CLOSE, "close" },		\
			 { PORTRES_REASON_DELETE, "delete" },		\
			 { PORTRES_REASON_NETNS, "netns" },		\
			 { PORTRES_REASON_UNLOAD, "unload" },		\
			 { PORTRES_REASON_ABORT, "abort" })

/* The fields every event has: the namespace, the process, the block. */
DECLARE_EVENT_CLASS(portres_resv_class,
		    TP_PROTO(const struct net *net,
			     const struct portres_resv *r),
		    TP_ARGS(net, r),
		    TP_STRUCT__entry(__field(unsigned int, netns)
				     __field(int, pid)
				     __array(char, comm, TASK_COMM_LEN)
				     __field(u8, protocol)
				     __field(u8, kind)
				     __field(u16, first)
				     __field(u16, last)
				     __field(u32, uid)),
		    TP_fast_assign(__entry->netns = net->ns.inum;
				   __entry->pid = task_tgid_nr(current);
				   memcpy(__entry->comm, current->comm,
					  TASK_COMM_LEN);
				   __entry->protocol = portres_ipproto(r->proto);
				   __entry->kind = portres_nl_kind(r);
				   __entry->first = r->first;
				   __entry->last = r->last;
				   __entry->uid = from_kuid(&init_user_ns,
							    r->uid);),
		    TP_printk("netns=%u pid=%d comm=%s protocol=%s ports=%u-%u kind=%s uid=%u",
			      __entry->netns, __entry->pid, __entry->comm,
			      portres_show_proto(__entry->protocol),
			      __entry->first, __entry->last,
			      portres_show_kind(__entry->kind), __entry->uid)
);

/* A reservation was made: acquired (runtime) or created (persistent). */
DEFINE_EVENT(portres_resv_class, portres_acquire,
	     TP_PROTO(const struct net *net, const struct portres_resv *r),
	     TP_ARGS(net, r)
);

/* A socket was associated with a reservation. */
DEFINE_EVENT(portres_resv_class, portres_associate,
	     TP_PROTO(const struct net *net, const struct portres_resv *r),
	     TP_ARGS(net, r)
);

/* A reservation ended, for @reason (enum portres_nl_reason). */
TRACE_EVENT(portres_release,
	    TP_PROTO(const struct net *net, const struct portres_resv *r,
		     int reason),
	    TP_ARGS(net, r, reason),
	    TP_STRUCT__entry(__field(unsigned int, netns)
			     __field(int, pid)
			     __array(char, comm, TASK_COMM_LEN)
			     __field(u8, protocol)
			     __field(u8, kind)
			     __field(u8, reason)
			     __field(u16, first)
			     __field(u16, last)
			     __field(u64, refused)),
	    TP_fast_assign(__entry->netns = net->ns.inum;
			   __entry->pid = task_tgid_nr(current);
			   memcpy(__entry->comm, current->comm, TASK_COMM_LEN);
			   __entry->protocol = portres_ipproto(r->proto);
			   __entry->kind = portres_nl_kind(r);
			   __entry->reason = reason;
			   __entry->first = r->first;
			   __entry->last = r->last;
			   __entry->refused = atomic64_read(&r->refused);),
	    TP_printk("netns=%u pid=%d comm=%s protocol=%s ports=%u-%u kind=%s reason=%s refused=%llu",
		      __entry->netns, __entry->pid, __entry->comm,
		      portres_show_proto(__entry->protocol), __entry->first,
		      __entry->last, portres_show_kind(__entry->kind),
		      portres_show_reason(__entry->reason), __entry->refused)
);

/* A bind() to @port failed with errno @err because @r holds the port. */
TRACE_EVENT(portres_bind_refused,
	    TP_PROTO(const struct net *net, const struct portres_resv *r,
		     u16 port, int err),
	    TP_ARGS(net, r, port, err),
	    TP_STRUCT__entry(__field(unsigned int, netns)
			     __field(int, pid)
			     __array(char, comm, TASK_COMM_LEN)
			     __field(u8, protocol)
			     __field(u8, kind)
			     __field(u16, port)
			     __field(int, err)
			     __field(u16, first)
			     __field(u16, last)),
	    TP_fast_assign(__entry->netns = net->ns.inum;
			   __entry->pid = task_tgid_nr(current);
			   memcpy(__entry->comm, current->comm, TASK_COMM_LEN);
			   __entry->protocol = portres_ipproto(r->proto);
			   __entry->kind = portres_nl_kind(r);
			   __entry->port = port;
			   __entry->err = err;
			   __entry->first = r->first;
			   __entry->last = r->last;),
	    TP_printk("netns=%u pid=%d comm=%s protocol=%s port=%u errno=%d ports=%u-%u kind=%s",
		      __entry->netns, __entry->pid, __entry->comm,
		      portres_show_proto(__entry->protocol), __entry->port,
		      __entry->err, __entry->first, __entry->last,
		      portres_show_kind(__entry->kind))
);

#endif /* _PORTRES_TRACE_H */

/* Kbuild puts module/ on the include path: "./trace.h" is found there. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
