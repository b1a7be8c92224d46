#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the package test's VM (tools/testing/pkg.sh): the initramfs holds the
# files of the installed packages where the packages put them: the
# DKMS-built /lib/modules/<release>/updates/dkms/portown.ko (with
# modules.dep), /etc/modules-load.d/portown.conf, /etc/modprobe.d/portown.conf
# (with the test's options line), /usr/bin/portownctl and kmod's modprobe.
# Lines "# pkg: pass|fail KEY [detail]" go to ttyS3, the results channel;
# the host turns them into records.  "# metrics: " lines carry
# portownctl metrics for promtool on the host.

RESULTS=/dev/ttyS3
stty -F "$RESULTS" raw -echo -onlcr 2>/dev/null
exec 3>"$RESULTS"
echo "# portown-vm: start pkg $PORTOWN_KERNEL" >&3
export PATH="/usr/sbin:/usr/bin:$PATH"

res() {
	if [ "$1" = 0 ]; then
		echo "# pkg: pass $2" >&3
	else
		shift 2
		echo "# pkg: fail $*" >&3
	fi
}

# What systemd-modules-load.service does at boot: modprobe every module
# named in modules-load.d (comments "#" and ";" skipped).
for f in /etc/modules-load.d/*.conf; do
	[ -f "$f" ] || continue
	while read -r m _; do
		case $m in '' | '#'* | ';'*) continue ;; esac
		/usr/sbin/modprobe "$m" || echo "portown-vm: modprobe $m failed" >/dev/console
	done <"$f"
done
[ -d /sys/module/portown ] && [ -c /dev/portown ]
res $? boot "portown not loaded"

v=$(cat /sys/module/portown/parameters/reconcile_ms 2>/dev/null)
[ "$v" = "$PORTOWN_PKG_RECONCILE_MS" ]
res $? modprobe_d "reconcile_ms is '$v', modprobe.d says $PORTOWN_PKG_RECONCILE_MS"

v=$(cat /sys/module/portown/version 2>/dev/null)
[ "$v" = "$PORTOWN_PKG_VERSION" ]
res $? version "/sys/module/portown/version is '$v', the package $PORTOWN_PKG_VERSION"

if portownctl list >/tmp/list 2>&1 && grep -q '^ttyS1 ' /tmp/list; then
	res 0 list
else
	res 1 list "$(tr '\n' ' ' </tmp/list | cut -c1-120)"
fi
cat /tmp/list >/dev/console

# The uevents of a claimed port hung up under a holder that keeps its
# descriptor: the claimer's command becomes a session leader with ttyS1
# as its controlling tty and exits, which hangs ttyS1 up; a "sleep" that
# ignores SIGHUP keeps the dead descriptor, then ends (free).
cat >/tmp/ue.sh <<'EOS'
#!/bin/sh
[ "$SUBSYSTEM" = portown ] || exit 0
echo "ACTION=$ACTION SUBSYSTEM=$SUBSYSTEM DEVPATH=$DEVPATH PORTOWN_STATE=$PORTOWN_STATE PORTOWN_EVENT=$PORTOWN_EVENT" >>/tmp/uevents
EOS
chmod +x /tmp/ue.sh
: >/tmp/uevents
uevent /tmp/ue.sh &
uev=$!
sleep 1
# shellcheck disable=SC2016 # PORTOWN_FD is the claimed command's
portownctl claim ttyS1 -- sh -c 'exec 0<&"$PORTOWN_FD"; trap "" HUP; exec setsid -c sh -c "sleep 6 & sleep 1"'
sleep 2
state=$(portownctl who ttyS1 | head -1)
echo "portown-vm: after the hangup: $state" >/dev/console
# portownctl metrics while a port is hung up with a holder, and another
# open by a program
(exec sleep 30) </dev/ttyS2 &
holder=$!
sleep 1
if portownctl metrics >/tmp/metrics; then
	sed 's/^/# metrics: /' /tmp/metrics >&3
else
	res 1 metrics "portownctl metrics failed"
fi
kill "$holder"
sleep 6
kill "$uev"
sed 's/^/portown-vm: uevent: /' /tmp/uevents >/dev/console
# What the rule matches: a change of SUBSYSTEM portown with an event and
# the state hungup.  The hangup ends the claim: the two are announced at
# once, with the latest event (release or hangup).
grep -Eq 'ACTION=change SUBSYSTEM=portown DEVPATH=[^ ]*/ttyS1 PORTOWN_STATE=hungup PORTOWN_EVENT=(hangup|release)$' /tmp/uevents
res $? uevent_hangup "no uevent of ttyS1 with state hungup and event hangup or release: $(tr '\n' ';' </tmp/uevents | cut -c1-200)"
grep -q 'ACTION=change SUBSYSTEM=portown DEVPATH=[^ ]*/ttyS1 PORTOWN_STATE=closed PORTOWN_EVENT=free$' /tmp/uevents
res $? uevent_free "no uevent of ttyS1 with state closed and event free: $(tr '\n' ';' </tmp/uevents | cut -c1-200)"

echo "# portown-vm: done" >&3
