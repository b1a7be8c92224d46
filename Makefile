# SPDX-License-Identifier: GPL-2.0
#
# portown: build, install, test.
#
#   make                    build portown.ko for the running kernel
#   make KDIR=/path/to/build  ... for another kernel
#   make install            install into $(DESTDIR)/lib/modules/<release>/updates
#   make check              everything the project tests (see README.md)
#   make soak               the reliability stage alone, SOAK_SECONDS (600)
#                           on each of the debug and PREEMPT_RT kernels
#   make check-canaries     prove each detector of make check fires
#   make demo               the field stories in a VM on a stock kernel
#   make bench              figures against fuser/lsof, N_TTY and no module,
#                           in a VM (build/bench; PORTOWN_BENCH_QUICK=1: quick)
#   make lint               checkpatch, sparse, kernel-doc, shellcheck
#   make deb                Debian packages in build/deb (portown-dkms,
#                           portown-tools, libportown0, libportown-dev),
#                           checked by lintian

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
DESTDIR ?=
INSTALL_MOD_DIR ?= updates
SOAK_SECONDS ?= 600
DEB_DIR ?= build/deb

MAKEFLAGS += --no-print-directory

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) DEPMOD=/bin/true modules_install
	install -D -m 0644 include/uapi/linux/portown.h \
		$(DESTDIR)/usr/include/linux/portown.h

check:
	tools/testing/check.sh

check-canaries:
	tools/testing/canaries.sh

soak:
	PORTOWN_SOAK_SECONDS=$(SOAK_SECONDS) PORTOWN_NO_LINT=1 \
	PORTOWN_KERNELS="$${PORTOWN_KERNELS:-debug-6.12 rt-6.12}" tools/testing/check.sh

demo:
	tools/testing/demo.sh

bench:
	tools/testing/bench.sh

lint:
	tools/testing/lint.sh

deb:
	tools/deb.sh $(DEB_DIR)

.PHONY: all module clean install check check-canaries soak demo bench lint deb
