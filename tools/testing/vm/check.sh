#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the test VM: run every test program and, on the debug kernel, the
# KUnit suites; write TAP to ttyS3, the results channel, which nothing
# else writes to.  The host reads it and the console log.
#
# After each step the kernel's ring buffer is read and cleared: every
# message of level warning or worse goes to the host as a "# kmsg:" line
# (the host fails the run on any it does not allow), so a report that
# does not crash the VM is seen even when the console missed it.
#
# PORTOWN_CANARY (see Documentation/dev-tools/portown-testing.rst) makes
# one detector of the bed fire; the host then expects the run to fail.

M=/portown/modules
RESULTS=/dev/ttyS3
HELPER=/sys/kernel/debug/portown_test_helper

stty -F "$RESULTS" raw -echo -onlcr 2>/dev/null
exec 3>"$RESULTS"
echo "# portown-vm: start $PORTOWN_KERNEL" >&3

# Kernel messages of level 0-4 since the last call, as "# kmsg: STEP <N>text".
kmsg() {
	dmesg -r -c | while IFS= read -r line; do
		lvl=${line#<}
		lvl=${lvl%%>*}
		case $lvl in *[!0-9]* | '') continue ;; esac
		[ $((lvl & 7)) -le 4 ] && [ $((lvl >> 3)) -eq 0 ] &&
			printf '# kmsg: %s %s\n' "$1" "$line" >&3
	done
}

canary() {
	[ "$PORTOWN_CANARY" = "$1" ]
}

# Test UARTs are root:dialout 0660, as udev would leave them.
for t in /dev/ttyS1 /dev/ttyS2 /dev/ttyS4 /dev/ttyS5 /dev/ttyS6 /dev/ttyS7; do
	chgrp 20 "$t" && chmod 660 "$t"
done

if [ "$PORTOWN_KIND" = debug ]; then
	echo clear >/sys/kernel/debug/kmemleak
fi
kmsg boot

export PORTOWN_KO=$M/portown.ko
export PORTOWN_HELPER_KO=$M/portown_test_helper.ko
canary missing && rm -f /portown/tests/ntty_test
for t in /portown/tests/*; do
	name=${t##*/}
	case " ${PORTOWN_TESTS:-$name} " in *" $name "*) ;; *) continue ;; esac
	echo "# selftest: $name" >&3
	echo "portown-vm: running $name" >/dev/console
	if canary skip && [ "$name" = module_test ]; then
		PORTOWN_KO=/nonexistent/portown.ko "$t" >&3 2>/dev/console
	else
		"$t" >&3 2>/dev/console
	fi
	echo "# selftest-exit: $name $?" >&3
	kmsg "$name"
done

# The canaries of the kernel's own detectors: the test helper makes the report.
case $PORTOWN_CANARY in
warn | lockdep | atomic_sleep | leak)
	insmod $M/portown_test_helper.ko &&
		echo 1 >"$HELPER/$PORTOWN_CANARY" &&
		rmmod portown_test_helper
	kmsg canary
	;;
esac

if [ "$PORTOWN_KIND" = debug ]; then
	echo "# kunit-begin" >&3
	rmmod portown 2>/dev/null
	param=
	canary kunit && param=canary=1
	if insmod $M/portown.ko && insmod $M/portown_kunit.ko $param; then
		for r in /sys/kernel/debug/kunit/portown*/results; do
			echo "# kunit-suite: $r" >&3
			cat "$r" >&3
		done
		rmmod portown_kunit
	else
		echo "# kunit-error: the KUnit module did not load" >&3
	fi
	echo "# kunit-end" >&3
	kmsg kunit
fi

# The last step: the module unloads, and nothing of it is left loaded.
canary unload && { insmod $M/portown.ko 2>/dev/null; (exec 4</dev/portown; sleep 600) & sleep 1; }
[ -d /sys/module/portown ] && rmmod portown 2>/dev/console
if [ -d /sys/module/portown ]; then
	echo "# final-unload: fail use count $(cat /sys/module/portown/refcnt 2>/dev/null)" >&3
else
	echo "# final-unload: ok" >&3
fi
kmsg unload

if [ "$PORTOWN_KIND" = debug ]; then
	# Objects must be older than 5 s to be reported: scan, wait, scan.
	if echo scan >/sys/kernel/debug/kmemleak && sleep 6 &&
		echo scan >/sys/kernel/debug/kmemleak; then
		leaks=$(grep -c '^unreferenced object' /sys/kernel/debug/kmemleak)
		if [ "$leaks" -gt 0 ]; then
			echo "portown-vm: kmemleak reports $leaks suspected leaks:" >/dev/console
			cat /sys/kernel/debug/kmemleak >/dev/console
		fi
		echo "# kmemleak: $leaks" >&3
	else
		echo "# kmemleak: error the scan failed" >&3
	fi
	kmsg kmemleak
fi

echo "# portown-vm: done" >&3
