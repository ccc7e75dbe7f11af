#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-size.sh - fails when a source file is over 700 lines or a function over 120 lines, unless scripts/size-allow.txt says why.
set -euo pipefail

MAX_FILE=700
MAX_FUNC=120

usage()
{
	cat <<EOF
usage: scripts/check-size.sh [--allow FILE] [ROOT]

Checks every *.c and *.h under ROOT/{src,tools,include,tests,fuzz} (ROOT default:
this script's ..):

  - no file over $MAX_FILE lines;
  - no function over $MAX_FUNC lines: a function is a '{' at column 0 after its
    signature, up to the next '}' at column 0; its length counts from the
    signature's first line to that '}'.

The allow-list FILE (default: size-allow.txt next to this script) has one entry a line,
'PATH MAX REASON...' for a file or 'PATH:FUNCTION MAX REASON...' for a function
(PATH relative to ROOT): that file or function may have up to MAX lines, for REASON.

Each offender is one line 'check-size: FILE:LINE: what, N lines (max M)'.
Exit 0 when clean, 1 on an offender, 2 on a usage error.
EOF
}

here=$(cd "$(dirname "$0")" && pwd)
allow=$here/size-allow.txt
root=
while [ $# -gt 0 ]; do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--allow) [ $# -ge 2 ] || { echo "check-size: --allow needs a file" >&2; exit 2; }; allow=$2; shift ;;
	--allow=*) allow=${1#--allow=} ;;
	-*) echo "check-size: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) [ -z "$root" ] || { echo "check-size: too many arguments (see --help)" >&2; exit 2; }; root=$1 ;;
	esac
	shift
done
root=${root:-$here/..}
[ -d "$root" ] || { echo "check-size: no directory $root" >&2; exit 2; }
[ -f "$allow" ] || { echo "check-size: no allow-list $allow" >&2; exit 2; }
allow=$(cd "$(dirname "$allow")" && pwd)/$(basename "$allow")
cd "$root"

dirs=()
for d in src tools include tests fuzz; do
	[ -d "$d" ] && dirs+=("$d")
done
[ ${#dirs[@]} -gt 0 ] || { echo "check-size: no src, tools, include, tests or fuzz under $root" >&2; exit 2; }
mapfile -t files < <(find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
[ ${#files[@]} -gt 0 ] || { echo "check-size: no source files under $root" >&2; exit 2; }

exec awk -v max_file="$MAX_FILE" -v max_func="$MAX_FUNC" -v allow_name="$allow" '
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }
# A line that ends what came before a signature: blank, preprocessor, a statement, a block, a comment.
function ends_before(s) {
	s = trim(s)
	return s == "" || s ~ /^#/ || s ~ /^\/\// || s ~ /[;}{]$/ || s ~ /\*\/$/
}
function limit(key, dflt) { return (key in allowed) ? allowed[key] : dflt }
function offend(where, what, n, key, dflt,    m) {
	m = limit(key, dflt)
	used[key] = 1
	if (n > dflt)
		needed[key] = 1
	if (n <= m)
		return
	bad++
	if (key in allowed)
		printf "check-size: %s: %s, %d lines (max %d: the allowed %d of %s)\n", where, what, n, dflt, m, allow_base
	else
		printf "check-size: %s: %s, %d lines (max %d)\n", where, what, n, dflt
}
function finish(    i, k, s, sig, name) {
	if (file == "")
		return
	offend(file, "file", nl, file, max_file)
	for (i = 1; i <= nl; i++) {
		if (line[i] !~ /^\{/)
			continue
		k = i - 1
		while (k > 1 && !ends_before(line[k - 1]))
			k--
		sig = ""
		for (s = k; s < i; s++)
			sig = sig " " line[s]
		gsub(/\/\*[^*]*\*+([^\/*][^*]*\*+)*\//, " ", sig)
		for (s = i + 1; s <= nl && line[s] !~ /^\}/; s++)
			;
		if (k < 1 || sig !~ /\(/) {
			i = s
			continue
		}
		name = substr(sig, 1, index(sig, "(") - 1)
		sub(/[ \t]+$/, "", name)
		sub(/.*[^A-Za-z0-9_]/, "", name)
		offend(file ":" k, "function " name, s - k + 1, file ":" name, max_func)
		i = s
	}
}
BEGIN {
	allow_base = allow_name
	sub(/.*\//, "", allow_base)
	n = 0
	while ((getline l < allow_name) > 0) {
		n++
		sub(/#.*/, "", l)
		if (trim(l) == "")
			continue
		if (split(trim(l), w, /[ \t]+/) < 3 || w[2] !~ /^[0-9]+$/) {
			printf "check-size: %s:%d: want PATH[:FUNCTION] MAX REASON...\n", allow_name, n > "/dev/stderr"
			fatal = 1
			exit 2
		}
		allowed[w[1]] = w[2] + 0
	}
}
FNR == 1 { finish(); file = FILENAME; nl = 0; delete line }
{ line[++nl] = $0 }
END {
	if (fatal)
		exit 2
	finish()
	for (key in allowed)
		if (!(key in used))
			printf "check-size: warning: %s: %s matches no file or function\n", allow_base, key > "/dev/stderr"
		else if (!(key in needed))
			printf "check-size: warning: %s: %s is within the limit now, its entry can go\n", allow_base, key > "/dev/stderr"
	if (bad) {
		printf "check-size: %d offender(s)\n", bad
		exit 1
	}
	printf "check-size: ok (%d files)\n", nfiles
}
FNR == 1 { nfiles++ }
' "${files[@]}"
