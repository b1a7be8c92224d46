#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the test VM: run every test program and, on the debug kernel, the
# KUnit suites; write TAP to ttyS3, the results channel, which nothing
# else writes to.  The host reads it and the console log.

M=/portown/modules
RESULTS=/dev/ttyS3

stty -F "$RESULTS" raw -echo -onlcr 2>/dev/null
exec 3>"$RESULTS"
echo "# portown-vm: start $PORTOWN_KERNEL" >&3

# Test UARTs are root:dialout 0660, as udev would leave them.
for t in /dev/ttyS1 /dev/ttyS2 /dev/ttyS4 /dev/ttyS5 /dev/ttyS6 /dev/ttyS7; do
	chgrp 20 "$t" && chmod 660 "$t"
done

if [ "$PORTOWN_KIND" = debug ]; then
	echo clear >/sys/kernel/debug/kmemleak
fi

export PORTOWN_KO=$M/portown.ko
export PORTOWN_HELPER_KO=$M/portown_test_helper.ko
for t in /portown/tests/*; do
	name=${t##*/}
	case " ${PORTOWN_TESTS:-$name} " in *" $name "*) ;; *) continue ;; esac
	echo "# selftest: $name" >&3
	echo "portown-vm: running $name" >/dev/console
	"$t" >&3 2>/dev/console
	echo "# selftest-exit: $name $?" >&3
done

if [ "$PORTOWN_KIND" = debug ]; then
	echo "# kunit-begin" >&3
	rmmod portown 2>/dev/null
	if insmod $M/portown.ko && insmod $M/portown_kunit.ko; then
		for r in /sys/kernel/debug/kunit/portown*/results; do
			cat "$r" >&3
		done
	else
		echo "not ok 1 portown_kunit # module did not load" >&3
	fi
	rmmod portown_kunit
	rmmod portown
	echo "# kunit-end" >&3

	# Objects must be older than 5 s to be reported: scan, wait, scan.
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	leaks=$(grep -c '^unreferenced object' /sys/kernel/debug/kmemleak)
	if [ "$leaks" -gt 0 ]; then
		echo "portown-vm: kmemleak reports $leaks suspected leaks:" >/dev/console
		cat /sys/kernel/debug/kmemleak >/dev/console
	fi
	echo "# kmemleak: $leaks" >&3
fi

echo "# portown-vm: done" >&3
