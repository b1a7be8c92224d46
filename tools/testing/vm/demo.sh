#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the demo VM: load portown on a stock kernel and show what a user
# would look at.

M=/portown/modules

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "portown on $(uname -r)"
run insmod $M/portown.ko
run dmesg | grep portown
say "the shim is a registered line discipline"
run cat /proc/tty/ldiscs
say "the control device and the sysfs class"
run ls -l /dev/portown
run ls -ld /sys/class/portown
say "the serial ports of this machine"
run ls -l /dev/ttyS0 /dev/ttyS1 /dev/ttyS2
say "unload: everything goes away"
run rmmod portown
run ls /dev/portown /sys/class/portown 2>&1
printf '\n'
