# SPDX-License-Identifier: GPL-2.0
# portres: `make` builds portres.ko here against KDIR, plus userspace.
KDIR ?= /lib/modules/$(shell uname -r)/build

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

test:
	bash tests/run.sh

demo:
	bash tests/qemu/demo.sh

install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	rm -rf tests/build

.PHONY: all module userspace test demo install clean
