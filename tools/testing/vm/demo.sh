#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the demo VM, on a stock kernel, the field stories.
#
# 1. A user's terminal program, which knows nothing of portown, holds
#    ttyS1; a dialer built on libportown wants the port and is told who
#    holds it, not "device busy"; sysfs and portownctl tell the same;
#    another member of dialout is told too, a user outside it only that
#    the port is in use; when the terminal program goes, the dialer gets
#    the line.
# 2. A program holds ttyS1 exclusively (TIOCEXCL); the line is hung up;
#    the program keeps its dead descriptor.  Without portown every next
#    unprivileged opener gets EBUSY, for as long as that descriptor lives.
#    With portown the next dialer gets the port, and the events say why.
# 3. A USB-serial adapter is pulled out while a data logger holds it, and
#    plugged back in: it comes back as ttyUSB1.  portown says why: ttyUSB0
#    is "gone", still held by the logger, which did not notice; when the
#    logger goes, so does ttyUSB0.
# 4. A serial console keeps its speed across the hangup login makes.
# 5. Reset at close: what a port scanner left goes at its last close.
# 6. An uploader is refused as busy by a port a modem manager holds with
#    TIOCEXCL; the kernel log and portownctl why name the holder.

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

say "what root can look at: sysfs ..."
for f in state owner_pid owner_uid owner_comm owner_since opens denials; do
	printf '%-12s %s\n' "$f" "$(cat /sys/class/portown/$PORT/$f)"
done
run "cat /sys/class/portown/$PORT/holders"
say "... and portownctl, which agree"
run "portownctl who $PORT"
run "portownctl list"

say "who may see whom: another dialout member is told, a stranger only that the port is in use"
run "su guest -s /bin/sh -c 'portownctl who $PORT'"
run "su stranger -s /bin/sh -c 'portownctl who $PORT'"
run "su stranger -s /bin/sh -c 'cat /sys/class/portown/$PORT/owner_comm'"
run "su stranger -s /bin/sh -c 'cat /sys/class/portown/$PORT/state'"

say "picocom exits: the dialer gets the line"
run "kill $(cat /sys/class/portown/$PORT/owner_pid); sleep 0.5"
run "su user -s /bin/sh -c '/portown/bin/portown-dial /dev/$PORT ATZ'"
run "portownctl history $PORT"

# A program that takes the port exclusively and ignores the hangup, as a
# stuck or careless one does: socat with TIOCEXCL (0x540C) and ignoreeof.
excl_holder() {
	as_user "socat -u /dev/$PORT,raw,echo=0,ioctl-void=0x540C,ignoreeof /dev/null \
		>/dev/null 2>&1 &"
	sleep 1
}
# Hang the line up as root: TIOCVHANGUP (0x5437), what a carrier loss does.
hang_up() {
	socat -u /dev/$PORT,ioctl-void=0x5437 /dev/null 2>/dev/null
}
try_open() {
	run "su user -s /bin/sh -c 'exec 3<>/dev/$PORT && echo \"opened /dev/$PORT\"'"
}

say "story 2, without portown: a hangup leaves the port unusable"
run "rmmod portown"
printf '$ socat -u /dev/%s,ioctl-void=TIOCEXCL,ignoreeof /dev/null &   (as uid 1000)\n' "$PORT"
excl_holder
printf '$ (the line is hung up: TIOCVHANGUP, as on carrier loss)\n'
hang_up
say "the next user's dialer, a minute or a week later:"
try_open
try_open
run "killall socat; sleep 0.5"

say "story 2, with portown"
run "insmod $M/portown.ko"
printf '$ socat -u /dev/%s,ioctl-void=TIOCEXCL,ignoreeof /dev/null &   (as uid 1000)\n' "$PORT"
excl_holder
run "portownctl who $PORT"
printf '$ (the line is hung up: TIOCVHANGUP, as on carrier loss)\n'
hang_up
run "portownctl who $PORT"
say "the next user's dialer gets the port, with the driver's settings"
run "su user -s /bin/sh -c '/portown/bin/portown-dial /dev/$PORT ATZ'"
run "stty -F /dev/$PORT speed"
run "cat /sys/class/portown/$PORT/hangups /sys/class/portown/$PORT/reinits"
run "portownctl history $PORT"
run "killall socat; sleep 0.5"

# The host works the test bench's hardware when asked on ttyS3.
host() { printf '\n# host: %s\n' "$*" >/dev/ttyS3; }
wait_for() {	# wait_for present|absent PATH
	i=0
	while [ $i -lt 200 ]; do
		if [ -e "$2" ]; then [ "$1" = present ] && return 0
		else [ "$1" = absent ] && return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

say "story 3: a USB-serial adapter is pulled out while a data logger reads it"
wait_for present /dev/ttyUSB0
chgrp 20 /dev/ttyUSB0 && chmod 660 /dev/ttyUSB0
portownctl watch >/tmp/watch.log 2>&1 &
watcher=$!
printf '$ socat -u /dev/ttyUSB0,raw,ignoreeof /dev/null &   (a logger, as uid 1000)\n'
as_user "socat -u /dev/ttyUSB0,raw,echo=0,ignoreeof /dev/null >/dev/null 2>&1 &"
wait_for present /sys/class/portown/ttyUSB0/state
sleep 1
run "portownctl who ttyUSB0"
printf '$ (the adapter is pulled out, and plugged back in)\n'
host usb-unplug ftdi0
wait_for absent /dev/ttyUSB0
host usb-plug ftdi0
wait_for present /dev/ttyUSB1
sleep 1
run "ls /dev/ttyUSB*"
say "why ttyUSB1? portown says: ttyUSB0 is gone, and the logger still holds it"
run "portownctl list"
run "portownctl who ttyUSB0"
run "cat /sys/class/portown/ttyUSB0/state /sys/class/portown/ttyUSB0/owner_comm"
say "the logger is stopped: ttyUSB0 is gone for good"
run "killall socat; sleep 1"
run "ls /sys/class/portown"
say "what portownctl watch printed meanwhile"
kill $watcher
run "grep ttyUSB /tmp/watch.log"

# ttyS0 is the VM's kernel console (console=ttyS0,115200), as a server's
# serial console is; login hangs it up at every login.
say "story 4: a serial console keeps its speed across an agetty-style hangup"
run "grep ttyS0 /proc/consoles"
run "stty -F /dev/ttyS0 speed"
printf '$ (login hangs the console up: vhangup(), here TIOCVHANGUP)\n'
socat -u /dev/ttyS0,ioctl-void=0x5437 /dev/null 2>/dev/null
run "stty -F /dev/ttyS0 speed"
run "portownctl history ttyS0 | grep reinit | tail -n 1"

say "story 5: reset at close: a port scanner leaves the port raw at 115200 with RTS/CTS"
run "portownctl reset $PORT close"
run "su user -s /bin/sh -c 'stty -F /dev/$PORT 115200 raw crtscts'"
run "stty -F /dev/$PORT speed"
run "stty -F /dev/$PORT -a 2>/dev/null | grep -o -- '-*crtscts'"
run "portownctl history $PORT | tail -n 1"
run "portownctl reset $PORT hangup"

# Debian's socat under the name of the modem manager that probes every
# new port and keeps it with TIOCEXCL; an uploader that knows nothing of
# portown (a shell script, as many flashing wrappers are).
say "story 6: an uploader is refused as busy; the kernel log and portownctl name the holder"
cp /usr/bin/socat /tmp/ModemManager
cat >/tmp/avrdude <<'EOF'
#!/bin/sh
exec 3<>"$1" && echo "avrdude: connected to $1"
EOF
chmod 755 /tmp/avrdude
printf '$ ModemManager probes /dev/%s and keeps it, with TIOCEXCL   (as root)\n' "$PORT"
/tmp/ModemManager -u "/dev/$PORT,raw,echo=0,ioctl-void=0x540C,ignoreeof" /dev/null \
	>/dev/null 2>&1 &
sleep 1
run "su user -s /bin/sh -c '/tmp/avrdude /dev/$PORT'"
say "the user asks the kernel log why, as for any program"
run "dmesg | grep 'portown: $PORT: open by avrdude' | tail -n 1"
say "and portownctl, with every reason in order"
run "portownctl why $PORT"
run "killall ModemManager; sleep 0.5"
run "portownctl why $PORT"
run "rmmod portown"
printf '\n'
