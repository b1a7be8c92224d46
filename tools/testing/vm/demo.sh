#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the demo VM: the first field story on a stock kernel.  A user's
# terminal program, which knows nothing of portown, holds ttyS1; a dialer
# built on libportown wants the port and is told who holds it, not
# "device busy"; sysfs and portownctl tell the same; when the terminal
# program goes, the dialer gets the line.

M=/portown/modules
PORT=ttyS1

say() { printf '\n== %s\n' "$*"; }
run() {
	printf '$ %s\n' "$*"
	sh -c "$*" 2>&1
	rc=$?
	[ $rc = 0 ] || printf '(exit status %s)\n' "$rc"
}
as_user() { su user -s /bin/sh -c "$*"; }

for t in /dev/ttyS1 /dev/ttyS2; do
	chgrp 20 "$t" && chmod 660 "$t"
done

say "portown on Linux $(uname -r)"
run "insmod $M/portown.ko"
run "dmesg | grep 'portown:'"
run "cat /sys/class/portown/tap"
run "grep portown /proc/tty/ldiscs"

say "a user (uid 1000) runs picocom on $PORT; picocom knows nothing of portown"
printf '$ picocom -b 115200 /dev/%s   (in its own terminal)\n' "$PORT"
as_user "socat SYSTEM:'sleep 100000' \
	EXEC:'picocom -q -b 115200 /dev/$PORT',pty,setsid,ctty >/dev/null 2>&1 &"
i=0
while [ "$(cat /sys/class/portown/$PORT/state 2>/dev/null)" != open ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

say "a dialer built on libportown wants $PORT"
run "su user -s /bin/sh -c '/portown/bin/portown-dial /dev/$PORT ATZ'"

say "what the user can look at: sysfs ..."
for f in state owner_pid owner_uid owner_comm owner_since opens denials; do
	printf '%-12s %s\n' "$f" "$(cat /sys/class/portown/$PORT/$f)"
done
run "cat /sys/class/portown/$PORT/holders"
say "... and portownctl, which agree"
run "portownctl who $PORT"
run "portownctl list"

say "picocom exits: the dialer gets the line"
run "kill $(cat /sys/class/portown/$PORT/owner_pid); sleep 0.5"
run "su user -s /bin/sh -c '/portown/bin/portown-dial /dev/$PORT ATZ'"
run "portownctl history $PORT"
run "rmmod portown"
printf '\n'
