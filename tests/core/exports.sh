#!/bin/sh
# The shared library exports the public API only: every defined dynamic
# symbol is ms_ followed by a letter (ms__ internals stay hidden).
set -eu
lib=$1
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}')
[ -n "$syms" ] || { echo "no symbols exported by $lib"; exit 1; }
bad=$(printf '%s\n' "$syms" | grep -v '^ms_[a-z]' || true)
if [ -n "$bad" ]; then
	echo "not public API, but exported by $lib:"
	printf '%s\n' "$bad"
	exit 1
fi
for must in ms_sim_new ms_thread_create ms_scenario_load_file ms_quota_policy_set; do
	printf '%s\n' "$syms" | grep -qx "$must" || { echo "missing: $must"; exit 1; }
done
echo "$(printf '%s\n' "$syms" | wc -l) public symbols, nothing else"
