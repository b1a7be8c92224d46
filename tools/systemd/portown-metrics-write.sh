#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# portown-metrics.service's command, installed as
# /usr/lib/portown/portown-metrics-write: write "portownctl metrics" to
# $PORTOWN_TEXTFILE_DIR/portown.prom (default: node_exporter's textfile
# directory) atomically, through a temporary file in the same directory
# that is renamed over it, so the collector never reads half a file.
set -eu

dir=${PORTOWN_TEXTFILE_DIR:-/var/lib/prometheus/node-exporter}
ctl=${PORTOWNCTL:-/usr/bin/portownctl}

mkdir -p "$dir"
tmp=$(mktemp "$dir/.portown.prom.XXXXXX")
trap 'rm -f "$tmp"' EXIT
"$ctl" metrics >"$tmp"
chmod 0644 "$tmp"
mv "$tmp" "$dir/portown.prom"
trap - EXIT
