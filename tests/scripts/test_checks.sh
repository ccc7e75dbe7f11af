#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_checks.sh - runs scripts/check-layers.sh or check-size.sh on fixture trees it writes: a clean tree passes, each known violation fails and is named.
# usage: test_checks.sh layers|size SCRIPTS_DIR CC WORKDIR
set -euo pipefail

what=$1 scripts=$2 cc=$3 work=$4
fails=0

rm -rf "$work"
mkdir -p "$work"

# put FILE: write stdin to FILE, making its folder.
put()
{
	mkdir -p "$(dirname "$1")"
	cat > "$1"
}

# expect RC PATTERN... -- CMD...: CMD exits RC and its output has a line matching each PATTERN (grep -E).
expect()
{
	local rc=$1 pats=() out got
	shift
	while [ "$1" != "--" ]; do
		pats+=("$1")
		shift
	done
	shift
	got=0
	out=$("$@" 2>&1) || got=$?
	if [ "$got" != "$rc" ]; then
		printf 'FAIL: %s: exit %s, want %s\n%s\n' "$*" "$got" "$rc" "$out"
		fails=$((fails + 1))
		return
	fi
	for p in "${pats[@]}"; do
		if ! grep -Eq -- "$p" <<<"$out"; then
			printf 'FAIL: %s: no line matches /%s/ in:\n%s\n' "$*" "$p" "$out"
			fails=$((fails + 1))
			return
		fi
	done
	printf 'ok: %s (exit %s)\n' "$*" "$got"
}

# objects ROOT: compile every *.c of ROOT/src/PART and ROOT/tools as CMake lays out its objects.
objects()
{
	local root=$1 f cmdir
	rm -rf "$root/build"
	(cd "$root" && find src tools -name '*.c') | while read -r f; do
		case "$f" in
		src/*) cmdir=$(cut -d/ -f1-2 <<<"$f") ;;
		*) cmdir=tools ;;
		esac
		local obj=$root/build/$cmdir/CMakeFiles/t.dir/${f#"$cmdir"/}.o
		mkdir -p "$(dirname "$obj")"
		"$cc" -c -O0 -I"$root/include" -I"$root/src" -o "$obj" "$root/$f"
	done
}

layers_clean()
{
	local r=$1
	put "$r/include/vfcrypt/abi.h" <<<'#define VFC_ABI 1'
	put "$r/src/os/clock.h" <<<'static inline int os_now(void) { return 0; }'
	put "$r/src/core/ring.h" <<'EOF'
#include "vfcrypt/abi.h"
int core_ring(int x);
EOF
	put "$r/src/core/ring.c" <<'EOF'
#include "core/ring.h"
int core_ring(int x) { return x + VFC_ABI; }
EOF
	put "$r/src/device/pf.h" <<<'int dev_pf_open(void);'
	put "$r/src/device/pf.c" <<'EOF'
#include "core/ring.h"
#include "device/pf.h"
#include "os/clock.h"
int dev_pf_open(void) { return core_ring(os_now()); }
EOF
	put "$r/src/transport/transport.h" <<'EOF'
int tp_open(void);
int tp_inproc(void);
EOF
	put "$r/src/transport/transport.c" <<'EOF'
#include "transport/transport.h"
int tp_open(void) { return tp_inproc(); }
EOF
	put "$r/src/transport/inproc.c" <<'EOF'
#include "device/pf.h"
#include "transport/transport.h"
int tp_inproc(void) { return dev_pf_open(); }
EOF
	put "$r/src/driver/vf.h" <<<'int drv_open(void);'
	put "$r/src/driver/vf.c" <<'EOF'
#include "driver/vf.h"
#include "transport/transport.h"
int drv_open(void) { return tp_open(); }
EOF
	put "$r/tools/main.c" <<'EOF'
#include "driver/vf.h"
int main(void) { return drv_open(); }
EOF
	put "$r/tests/t.c" <<'EOF'
#include "device/pf.h"
#include "driver/vf.h"
EOF
	objects "$r"
}

test_layers()
{
	local check=$scripts/check-layers.sh r

	expect 0 '^usage: .*check-layers' -- "$check" --help

	r=$work/clean
	layers_clean "$r"
	expect 0 '^check-layers: ok \(' -- "$check" "$r" "$r/build"
	expect 0 '^check-layers: ok \(' -- "$check" --no-objects "$r"
	expect 2 'build first' -- "$check" "$r" "$work/nobuild"
	expect 2 'unknown option' -- "$check" --bogus "$r"

	# A file of core includes a driver header.
	r=$work/include
	layers_clean "$r"
	echo '#include "driver/vf.h"' >> "$r/src/core/ring.c"
	objects "$r"
	expect 1 '^check-layers: src/core/ring\.c:3: includes src/driver/vf\.h: layer rule: core may not use driver$' \
		'^check-layers: 1 violation' -- "$check" "$r" "$r/build"

	# Core calls the driver without including its header: nm sees it.
	r=$work/call
	layers_clean "$r"
	put "$r/src/core/up.c" <<'EOF'
int drv_open(void);
int core_up(void);
int core_up(void) { return drv_open(); }
EOF
	objects "$r"
	expect 1 '^check-layers: src/core/up\.c: calls drv_open of src/driver/vf\.c: layer rule: core may not use driver$' \
		-- "$check" "$r" "$r/build"

	# The exception is inproc.c's alone: unix.c may not include or call the device.
	r=$work/except
	layers_clean "$r"
	put "$r/src/transport/unix.c" <<'EOF'
#include "device/pf.h"
int tp_unix(void);
int tp_unix(void) { return dev_pf_open(); }
EOF
	objects "$r"
	expect 1 '^check-layers: src/transport/unix\.c:1: includes src/device/pf\.h: layer rule: transport may not use device$' \
		'^check-layers: src/transport/unix\.c: calls dev_pf_open of src/device/pf\.c: layer rule: transport may not use device$' \
		'^check-layers: 2 violation' -- "$check" "$r" "$r/build"

	# Object files calling each other in a circle: three in the driver, two in the daemon.
	r=$work/cycle
	layers_clean "$r"
	put "$r/src/driver/a.c" <<<'int cyc_b(int); int cyc_a(int n); int cyc_a(int n) { return n ? cyc_b(n - 1) : 0; }'
	put "$r/src/driver/b.c" <<<'int cyc_c(int); int cyc_b(int n); int cyc_b(int n) { return n ? cyc_c(n - 1) : 0; }'
	put "$r/src/driver/c.c" <<<'int cyc_a(int); int cyc_c(int n); int cyc_c(int n) { return n ? cyc_a(n - 1) : 0; }'
	put "$r/src/daemon/d1.c" <<<'int d2_f(void); int d1_g(void); int d1_f(void); int d1_f(void) { return d2_f(); } int d1_g(void) { return 1; }'
	put "$r/src/daemon/d2.c" <<<'int d1_g(void); int d2_f(void); int d2_f(void) { return d1_g(); }'
	objects "$r"
	expect 1 '^check-layers: src/driver/a\.c: calls in a circle src/driver/a\.c -> src/driver/b\.c -> src/driver/c\.c -> src/driver/a\.c: rule: no cycles between object files$' \
		'^    src/driver/c\.c uses cyc_a of src/driver/a\.c$' \
		'^check-layers: src/daemon/d1\.c: calls in a circle src/daemon/d1\.c -> src/daemon/d2\.c -> src/daemon/d1\.c: rule' \
		'^    src/daemon/d1\.c uses d2_f of src/daemon/d2\.c$' \
		'^    src/daemon/d2\.c uses d1_g of src/daemon/d1\.c$' \
		'^check-layers: 2 violation' -- "$check" "$r" "$r/build"

	# The rules themselves must be layers.
	put "$work/circle.txt" <<'EOF'
part a src/a
part b src/b
allow a -> b
allow b -> a
EOF
	expect 2 'allowed edges form a circle' -- "$check" --layers "$work/circle.txt" --no-objects "$work/clean"
}

# lines N TEXT: N lines of TEXT.
lines()
{
	local i
	for ((i = 0; i < $1; i++)); do
		printf '%s\n' "$2"
	done
}

size_clean()
{
	local r=$1
	# A 700-line file and a function of exactly 120 lines (2 signature lines, {, 116, }).
	lines 700 '/* filler */' | put "$r/include/vfcrypt/big.h"
	{
		printf '/* one.c - a fixture. */\n\n'
		printf 'static int\nf120(int x)\n{\n'
		lines 116 '	x++;'
		printf '}\n\nint g(void)\n{\n\treturn f120(0);\n}\n'
	} | put "$r/src/core/one.c"
	printf '# reasons\n' > "$r/allow.txt"
}

test_size()
{
	local check=$scripts/check-size.sh r

	expect 0 '^usage: .*check-size' -- "$check" --help

	r=$work/clean
	size_clean "$r"
	expect 0 '^check-size: ok \(2 files\)' -- "$check" --allow "$r/allow.txt" "$r"
	expect 2 'unknown option' -- "$check" --bogus "$r"

	# One line more each: a 121-line function (signature on line 3), a 701-line file.
	r=$work/over
	size_clean "$r"
	{
		printf '/* t.c */\n\n'
		printf 'static void f121(int *x) /* a comment */\n{\n'
		lines 118 '	(*x)++;'
		printf '}\n'
	} | put "$r/tests/t.c"
	lines 701 '/* filler */' | put "$r/tools/big.c"
	expect 1 '^check-size: tests/t\.c:3: function f121, 121 lines \(max 120\)$' \
		'^check-size: tools/big\.c: file, 701 lines \(max 700\)$' \
		'^check-size: 2 offender' -- "$check" --allow "$r/allow.txt" "$r"

	# The allow-list lets them be, up to its own limit.
	cat > "$r/allow.txt" <<'EOF'
tests/t.c:f121 125 a fixture's long function
tools/big.c 750 a fixture's long file
EOF
	expect 0 '^check-size: ok' -- "$check" --allow "$r/allow.txt" "$r"
	lines 50 '/* more */' >> "$r/tools/big.c"
	expect 1 '^check-size: tools/big\.c: file, 751 lines \(max 700: the allowed 750 of allow\.txt\)$' \
		'^check-size: 1 offender' -- "$check" --allow "$r/allow.txt" "$r"

	echo 'tools/big.c 800' > "$r/allow.txt"
	expect 2 'want PATH\[:FUNCTION\] MAX REASON' -- "$check" --allow "$r/allow.txt" "$r"
}

case "$what" in
layers) test_layers ;;
size) test_size ;;
*) echo "usage: test_checks.sh layers|size SCRIPTS_DIR CC WORKDIR" >&2; exit 2 ;;
esac

if [ "$fails" -gt 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all passed"
