#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the bench VM (make bench): run the measurements of
# tests/bench/portown_bench.c and send their samples to ttyS3, the
# results channel; the host computes the figures.  Repetitions are
# interleaved: within one repetition every variant (portown unloaded,
# loaded, loaded with tap=0) is measured once, with rmmod/insmod between.
#
# PORTOWN_BENCH_QUICK=1 (from /portown/env): one repetition, small counts,
# for CI.  Each step is announced as "# bench-step: NAME" and ends with
# "# bench-exit: NAME STATUS"; the host fails the run on a non-zero
# status, a "# bench-error:" line or a missing "# bench-done".

M=/portown/modules
B=/portown/bench/portown_bench
RESULTS=/dev/ttyS3

stty -F "$RESULTS" raw -echo -onlcr 2>/dev/null
exec 3>"$RESULTS"
echo "# portown-vm: bench start $PORTOWN_KERNEL $(uname -r)" >&3

if [ "${PORTOWN_BENCH_QUICK:-}" = 1 ]; then
	REPS=1 PROCS="50" FAST=20 SLOW=1 CYCLES=100 HANGUPS=20
	BYTES=262144 ECHOES=200 MEM_N=100 EVENTS_N=100 NOTIFY_N=100 NOTIFY_SPACED=20
else
	REPS=9 PROCS="50 500 2000" FAST=100 SLOW=2 CYCLES=1000 HANGUPS=100
	BYTES=2097152 ECHOES=2000 MEM_N=1000 EVENTS_N=1000 NOTIFY_N=200 NOTIFY_SPACED=50
fi
echo "# bench-config: reps=$REPS procs=$PROCS cycles=$CYCLES bytes=$BYTES mem_n=$MEM_N" >&3
echo "# bench-cpus: $(nproc)" >&3

# portown in one of the states a variant names
use() {
	[ -d /sys/module/portown ] && rmmod portown
	case $1 in
	unloaded) ;;
	loaded) insmod $M/portown.ko ;;
	tap0) insmod $M/portown.ko tap=0 ;;
	all) insmod $M/portown.ko track=all ;;
	esac || { echo "# bench-error: cannot put portown in state $1" >&3; return 1; }
}

failed=0
# step NAME COMMAND...: one measurement program run, its status reported
step() {
	name=$1
	shift
	echo "portown-vm: bench $name" >/dev/console
	t0=$(cut -d' ' -f1 /proc/uptime)
	"$@" >&3 2>/dev/console
	rc=$?
	echo "# bench-exit: $name $rc $t0 $(cut -d' ' -f1 /proc/uptime)" >&3
	[ $rc = 0 ] || failed=1
}

# The USB-serial adapter enumerates in the background after its drivers load.
i=0
while [ ! -c /dev/ttyUSB0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done

# Who holds ttyS1, among PROCS processes: the methods interleaved by the program.
use loaded
for p in $PROCS; do
	step "whoholds-$p" $B whoholds "$p" "$REPS" "$FAST" "$SLOW"
done

# Open+close cycles and hangup to reopen: unloaded, loaded, tap=0 in turn.
r=1
while [ $r -le "$REPS" ]; do
	for v in unloaded loaded tap0; do
		use $v || failed=1
		for t in ttyS1 ttyUSB0 pty; do
			step "cycles-$t-$v-$r" $B cycles $v $r $t "$CYCLES"
		done
		step "hangup-$v-$r" $B hangup $v $r "$HANGUPS"
	done
	r=$((r + 1))
done

# The shim against N_TTY, interleaved by the program.
use loaded
step ldisc $B ldisc "$REPS" "$BYTES" "$ECHOES"

# Kernel memory: without portown and with it tracking every tty (ptys).
r=1
while [ $r -le "$REPS" ]; do
	for v in unloaded all; do
		use $v || failed=1
		step "mem-$v-$r" $B mem $v $r "$MEM_N"
	done
	r=$((r + 1))
done

# The event stream with idle readers; uevents and poll() wake-ups.
use loaded
step events $B events "$REPS" "$EVENTS_N"
step notify $B notify "$REPS" "$NOTIFY_N" "$NOTIFY_SPACED"
use unloaded

# Kernel reports since boot, counted here too (the host also reads the console).
splats=$(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace:')
echo "# bench-splats: $splats" >&3
[ "$failed" = 0 ] || echo "# bench-error: a step failed" >&3
echo "# bench-done" >&3
