# SPDX-License-Identifier: GPL-2.0
# portres: `make` builds portres.ko here against KDIR, plus userspace.
KDIR ?= /lib/modules/$(shell uname -r)/build

all: module userspace

# The kernel's source tree, where its headers are: KDIR itself, its
# `source` link (O= trees), or what Debian's headers Makefile includes.
KSRC ?= $(or $(wildcard $(KDIR)/source),$(shell sed -n \
	's|^include \(/.*\)/Makefile$$|\1|p' $(KDIR)/Makefile 2>/dev/null),$(KDIR))

# One line, and no build, for a kernel portres cannot support (Kbuild
# checks the same for builds that do not come through here).
module:
	$(if $(wildcard $(KDIR)/Makefile),,$(error no kernel build directory $(KDIR): \
		install the headers of that kernel or set KDIR))
	$(if $(wildcard $(KSRC)/include/linux/maple_tree.h),,$(error portres needs \
		Linux 6.1 or later: $(KDIR) has no maple tree (include/linux/maple_tree.h)))
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

test:
	bash tests/run.sh

demo:
	bash tests/qemu/demo.sh

# The debug test kernel tier alone (tests/debug-kernel/): the KUnit suites,
# or stress and fault injection (plus KUnit).
kunit:
	bash tests/debug-kernel/run-tier.sh kunit

stress:
	bash tests/debug-kernel/run-tier.sh stress

.PHONY: kunit stress

# One QEMU boot timing portres against the module-absent kernel: tests/bench/RESULTS.md
bench:
	bash tests/bench/run.sh

.PHONY: bench

# ---- make install ----
# The module through DKMS (sources in /usr/src/portres-VERSION, rebuilt for
# every kernel), libportres and its headers, portresctl, the man pages, the
# systemd unit that restores the saved persistent reservations at boot and
# saves them at shutdown, and /etc/portres/ for that file.
# With DESTDIR set only files are written (staging, packaging): no dkms,
# ldconfig or systemctl. DKMS_ACTION=build builds without installing the
# module; DKMS_KERNELS (default: the running kernel) lists the kernels;
# USERSPACE_BUILD is where userspace/ builds (default userspace/build).
PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
UNITDIR		?= $(PREFIX)/lib/systemd/system
SYSCONFDIR	?= /etc
PORTRES_VERSION	:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC	:= /usr/src/portres-$(PORTRES_VERSION)
DKMS_ACTION	?= install
DKMS_KERNELS	?= $(shell uname -r)
USERSPACE_BUILD	?= build

install: install-dkms install-userspace install-service

install-dkms:
ifeq ($(DESTDIR),)
	@command -v dkms >/dev/null || { echo "make install: dkms is missing (apt-get install dkms)" >&2; exit 1; }
	dkms remove -m portres -v $(PORTRES_VERSION) --all >/dev/null 2>&1 || true
endif
	rm -rf $(DESTDIR)$(DKMS_SRC)
	install -d $(DESTDIR)$(DKMS_SRC)/module $(DESTDIR)$(DKMS_SRC)/uapi/linux
	install -m 644 Kbuild Makefile dkms.conf LICENSE $(DESTDIR)$(DKMS_SRC)/
	install -m 644 $(wildcard module/*.[ch]) $(DESTDIR)$(DKMS_SRC)/module/
	install -m 644 uapi/linux/portres.h $(DESTDIR)$(DKMS_SRC)/uapi/linux/
ifeq ($(DESTDIR),)
	dkms add -m portres -v $(PORTRES_VERSION)
	for k in $(DKMS_KERNELS); do \
		dkms $(DKMS_ACTION) -m portres -v $(PORTRES_VERSION) -k $$k || exit 1; \
	done
endif

install-userspace:
	$(MAKE) -C userspace install PREFIX=$(PREFIX) SBINDIR=$(SBINDIR) \
		DESTDIR=$(DESTDIR) BUILD=$(USERSPACE_BUILD)
ifeq ($(DESTDIR),)
	-ldconfig
endif

install-service:
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/portres
	sed -e 's|/usr/local/sbin/portresctl|$(SBINDIR)/portresctl|g' \
		-e 's|/etc/portres/|$(SYSCONFDIR)/portres/|g' \
		packaging/portres.service >$(DESTDIR)$(UNITDIR)/portres.service
	chmod 644 $(DESTDIR)$(UNITDIR)/portres.service
ifeq ($(DESTDIR),)
	if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	-systemctl enable portres.service
endif

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	rm -rf tests/build

.PHONY: all module userspace test demo install clean \
	install-dkms install-userspace install-service
