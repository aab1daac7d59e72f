#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs the built memsim once (or twice for --same) and checks what it did.
#
#   cli-test.sh MEMSIM STATUS [CHECK]... -- ARGS...
#
# STATUS is the exact exit status expected. CHECKs:
#   --out-line LINE     stdout has a line equal to LINE
#   --out-has TEXT      stdout contains TEXT somewhere
#   --out-lacks TEXT    stdout does not contain TEXT
#   --out-empty         stdout is empty
#   --err-first LINE    the first line of stderr is exactly LINE
#   --err-line LINE     stderr has a line equal to LINE
#   --err-has TEXT      stderr contains TEXT somewhere
#   --err-empty         stderr is empty
#   --same              run twice; stdout must be byte-identical
#   --file-has F TEXT   after the run, file F contains TEXT
#   --json-valid F      file F (or '-': stdout) is valid JSON (needs
#                       python3 on PATH; skipped otherwise)
#
# Under `meson test --setup valgrind` (MEMSIM_UNDER_VALGRIND=1) memsim itself
# runs under Valgrind memcheck, with the suppressions in
# $MEMSIM_VALGRIND_SUPP, and a memcheck error fails the test (status 99).
set -u

memsim=$1
want=$2
shift 2

checks_file=$(mktemp) || exit 99
out=$(mktemp) || exit 99
err=$(mktemp) || exit 99
out2=$(mktemp) || exit 99
trap 'rm -f "$checks_file" "$out" "$err" "$out2"' EXIT

# Collect the checks (one per line, fields separated by a tab) up to "--".
same=0
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	case $1 in
	--out-empty|--err-empty)
		printf '%s\n' "$1" >>"$checks_file"; shift ;;
	--same)
		same=1; shift ;;
	--file-has)
		printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$checks_file"; shift 3 ;;
	--*)
		printf '%s\t%s\n' "$1" "$2" >>"$checks_file"; shift 2 ;;
	*)
		echo "cli-test.sh: bad check '$1'" >&2; exit 99 ;;
	esac
done
[ $# -gt 0 ] && shift	# the "--"

run() {
	if [ "${MEMSIM_UNDER_VALGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then
		supp=
		[ -n "${MEMSIM_VALGRIND_SUPP:-}" ] && supp="--suppressions=$MEMSIM_VALGRIND_SUPP"
		valgrind --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite \
			--show-leak-kinds=definite --quiet $supp \
			"$memsim" "$@"
	else
		"$memsim" "$@"
	fi
}

fail=0
bad() {
	echo "FAIL: $*" >&2
	fail=1
}

echo "running: $memsim $*" >&2
run "$@" >"$out" 2>"$err"
status=$?
if [ "$status" != "$want" ]; then
	bad "exit status $status, expected $want"
fi

if [ $same = 1 ]; then
	run "$@" >"$out2" 2>/dev/null
	if ! cmp -s "$out" "$out2"; then
		bad "two runs differ:"
		diff "$out" "$out2" | head -20 >&2
	fi
fi

tab=$(printf '\t')
while IFS="$tab" read -r kind a b; do
	case $kind in
	--out-line)
		grep -Fxq -- "$a" "$out" || bad "stdout lacks the line: $a" ;;
	--out-has)
		grep -Fq -- "$a" "$out" || bad "stdout lacks: $a" ;;
	--out-lacks)
		grep -Fq -- "$a" "$out" && bad "stdout has: $a" ;;
	--out-empty)
		[ -s "$out" ] && bad "stdout is not empty" ;;
	--err-first)
		first=$(head -n 1 "$err")
		[ "$first" = "$a" ] || bad "first line of stderr is: $first
      expected: $a" ;;
	--err-line)
		grep -Fxq -- "$a" "$err" || bad "stderr lacks the line: $a" ;;
	--err-has)
		grep -Fq -- "$a" "$err" || bad "stderr lacks: $a" ;;
	--err-empty)
		[ -s "$err" ] && bad "stderr is not empty" ;;
	--file-has)
		grep -Fq -- "$b" "$a" || bad "$a lacks: $b" ;;
	--json-valid)
		f=$a
		[ "$f" = - ] && f=$out
		if command -v python3 >/dev/null; then
			python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$f" ||
				bad "$a is not valid JSON"
		fi ;;
	esac
done <"$checks_file"

if [ $fail != 0 ]; then
	echo "---- stdout ----" >&2
	head -c 4000 "$out" >&2
	echo "---- stderr ----" >&2
	head -c 4000 "$err" >&2
	exit 1
fi
exit 0
