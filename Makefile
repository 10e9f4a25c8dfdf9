# SPDX-License-Identifier: GPL-2.0
# portres: `make` builds portres.ko here against KDIR, plus userspace.
KDIR ?= /lib/modules/$(shell uname -r)/build

# The version is kept in one place, packaging/debian/changelog (the top
# entry, without a Debian revision); installed module sources (DKMS) have no
# packaging/ and carry it in their dkms.conf, which install-dkms fills in.
# Exported: Kbuild (modinfo portres) and userspace/ (portresctl --version,
# portres.pc) use it; `make deb` and `make rpm` take it from the same place.
PORTRES_VERSION	:= $(or $(shell sed -n '1s/^portres (\([^)-]*\).*/\1/p' \
	packaging/debian/changelog 2>/dev/null),$(shell sed -n \
	's/^PACKAGE_VERSION="\([0-9][^"]*\)"$$/\1/p' dkms.conf 2>/dev/null))
export PORTRES_VERSION

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
	install -m 644 Kbuild Makefile LICENSE $(DESTDIR)$(DKMS_SRC)/
	sed 's/#MODULE_VERSION#/$(PORTRES_VERSION)/g' dkms.conf >$(DESTDIR)$(DKMS_SRC)/dkms.conf
	chmod 644 $(DESTDIR)$(DKMS_SRC)/dkms.conf
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

# ---- make deb, make rpm: packages into dist/ ----
# deb: a copy of the sources (what git tracks, or the tree minus build
# products) with packaging/debian as debian/, then dpkg-buildpackage -b:
# portres-dkms, libportres0, libportres-dev, portresctl (packaging/debian/);
# no -dbgsym packages unless DEB_BUILD_OPTIONS asks (dist/*.deb is those four).
# rpm: a source tarball and packaging/rpm/portres.spec, rpmbuild -ba:
# the source RPM and portres, portres-devel, portres-dkms.
DIST		?= $(CURDIR)/dist
PKG_STAGE	?= $(CURDIR)/dist/.stage
PKG_FILES	= $(shell git -C $(CURDIR) ls-files -co --exclude-standard -- \
	Kbuild Makefile dkms.conf LICENSE README.md module uapi userspace man \
	packaging 2>/dev/null || find Kbuild Makefile dkms.conf LICENSE README.md \
	module uapi userspace man packaging -path userspace/build -prune -o \
	-type f ! -name '*.o' ! -name '*.ko' ! -name '.*.cmd' -print)

pkg-stage:
	$(if $(PORTRES_VERSION),,$(error no version in packaging/debian/changelog))
	rm -rf $(PKG_STAGE)
	mkdir -p $(PKG_STAGE)/portres-$(PORTRES_VERSION)
	cp --parents -a $(PKG_FILES) $(PKG_STAGE)/portres-$(PORTRES_VERSION)/

deb: pkg-stage
	cp -a packaging/debian $(PKG_STAGE)/portres-$(PORTRES_VERSION)/debian
	cd $(PKG_STAGE)/portres-$(PORTRES_VERSION) && \
		DEB_BUILD_OPTIONS="noautodbgsym $(DEB_BUILD_OPTIONS)" dpkg-buildpackage -us -uc -b
	mkdir -p $(DIST)
	rm -f $(DIST)/*.deb $(DIST)/portres_*.changes $(DIST)/portres_*.buildinfo
	mv $(PKG_STAGE)/*.deb $(PKG_STAGE)/portres_*.changes \
		$(PKG_STAGE)/portres_*.buildinfo $(DIST)/
	rm -rf $(PKG_STAGE)
	ls -1 $(DIST)/*.deb

# On a system whose rpm database is not the package database (Debian), the
# BuildRequires cannot be checked there (--nodeps) and there is no
# debugedit for -debuginfo packages.
RPM_TOP		?= $(PKG_STAGE)/rpm
RPM_FOREIGN	:= $(if $(shell rpm -q rpm 2>/dev/null | grep -v 'not installed'),,y)
rpm: pkg-stage
	mkdir -p $(RPM_TOP)/SOURCES $(DIST)
	tar -C $(PKG_STAGE) -czf $(RPM_TOP)/SOURCES/portres-$(PORTRES_VERSION).tar.gz \
		portres-$(PORTRES_VERSION)
	rpmbuild -ba --define '_topdir $(RPM_TOP)' \
		--define 'portres_version $(PORTRES_VERSION)' \
		$(if $(RPM_FOREIGN),--nodeps --define 'debug_package %{nil}') \
		packaging/rpm/portres.spec
	rm -f $(DIST)/*.rpm
	find $(RPM_TOP)/SRPMS $(RPM_TOP)/RPMS -name '*.rpm' -exec mv {} $(DIST)/ \;
	rm -rf $(PKG_STAGE)
	ls -1 $(DIST)/*.rpm

# The version, as `make` derives it (tests/packaging/run.sh compares).
version:
	@echo $(PORTRES_VERSION)

.PHONY: pkg-stage deb rpm version

clean:
	rm -rf dist
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	rm -rf tests/build

.PHONY: all module userspace test demo install clean \
	install-dkms install-userspace install-service
