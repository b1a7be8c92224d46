#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the demo VM: load portown on a stock kernel and show what a user
# would look at.

M=/portown/modules

say() { printf '\n== %s\n' "$*"; }
run() {
	printf '$ %s\n' "$*"
	sh -c "$*" 2>&1
}

say "portown on Linux $(uname -r)"
run "insmod $M/portown.ko"
run "dmesg | grep 'portown: loaded'"
say "the shim is a registered line discipline (number 29, N_DEVELOPMENT)"
run "cat /proc/tty/ldiscs"
say "the control device and the sysfs class"
run "ls -l /dev/portown"
run "ls -ld /sys/class/portown"
say "the module's parameter"
run "cat /sys/module/portown/parameters/ldisc"
say "a line discipline number that is taken is refused, never replaced"
run "rmmod portown"
run "insmod $M/portown.ko ldisc=0"
run "dmesg | grep 'already registered' | tail -1"
say "unload removes everything"
run "ls /dev/portown /sys/class/portown"
printf '\n'
