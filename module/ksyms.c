// SPDX-License-Identifier: GPL-2.0
/*
 * Newer kernels stopped exporting some functions portres needs:
 * udp_lib_get_port became EXPORT_IPV6_MOD in 6.15, inet_hash_connect and
 * inet_put_port lost their exports with DCCP. Kbuild reads the kernel's
 * Module.symvers and tells which exports exist; the others are found by
 * name through kprobes (kallsyms_lookup_name is not exported either).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/string.h>
#include <net/inet_hashtables.h>
#include <net/udp.h>

#include "ksyms.h"

struct portres_ksyms portres_ksyms __ro_after_init;

#ifdef PORTRES_EXPORTS_udp_lib_get_port
#define PORTRES_EXPORT_udp_lib_get_port udp_lib_get_port
#else
#define PORTRES_EXPORT_udp_lib_get_port NULL
#endif
#ifdef PORTRES_EXPORTS_inet_hash_connect
#define PORTRES_EXPORT_inet_hash_connect inet_hash_connect
#else
#define PORTRES_EXPORT_inet_hash_connect NULL
#endif
#ifdef PORTRES_EXPORTS_inet_put_port
#define PORTRES_EXPORT_inet_put_port inet_put_port
#else
#define PORTRES_EXPORT_inet_put_port NULL
#endif

#define PORTRES_KSYM(sym) {						\
	.name = #sym,							\
	.slot = (void **)&portres_ksyms.sym,				\
	.exported = PORTRES_EXPORT_##sym,				\
}

static const struct {
	const char *name;
	void **slot;
	void *exported;
} portres_ksym_table[] = {
	PORTRES_KSYM(udp_lib_get_port),
	PORTRES_KSYM(inet_hash_connect),
	PORTRES_KSYM(inet_put_port),
};

/*
 * The start of the function @name. A kprobe finds the address, but may
 * have moved it past an ENDBR (IBT); an indirect call must land on the
 * symbol itself, so kallsyms gives the offset to take back.
 */
static int portres_ksym_lookup(const char *name, void **fn)
{
	struct kprobe kp = { .symbol_name = name };
	char buf[KSYM_SYMBOL_LEN];
	unsigned long addr, off;
	size_t len = strlen(name);
	char *end;
	int err;

	err = register_kprobe(&kp);
	if (err)
		return err;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);

	/* "name+0x4/0x1b0" */
	sprint_symbol(buf, addr);
	end = strchr(buf, '/');
	if (strncmp(buf, name, len) || buf[len] != '+' || !end)
		return -ENOENT;
	*end = '\0';
	if (kstrtoul(buf + len + 1, 16, &off) || off > addr)
		return -ENOENT;
	*fn = (void *)(addr - off);
	return 0;
}

int portres_ksyms_resolve(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(portres_ksym_table); i++) {
		void *fn = portres_ksym_table[i].exported;

		if (!fn) {
			err = portres_ksym_lookup(portres_ksym_table[i].name, &fn);
			if (err) {
				pr_err("cannot load: %s is not exported, and kprobes could not find it (%d)\n",
				       portres_ksym_table[i].name, err);
				return -ENOENT;
			}
		}
		*portres_ksym_table[i].slot = fn;
	}
	return 0;
}
