#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-layers.sh - fails when an #include or a call crosses a layer edge that scripts/layers.txt does not allow, or when object files call each other in a circle.
set -euo pipefail

usage()
{
	cat <<'EOF'
usage: scripts/check-layers.sh [--layers FILE] [--no-objects] [ROOT [BUILD]]

Checks the structure of the tree at ROOT (default: this script's ..) against the
parts and allowed edges in FILE (default: scripts/layers.txt next to this script):

  1. every #include "..." (and <...> that resolves inside the tree) of a *.c/*.h
     file of a part, resolved against the file's folder, ROOT/include, ROOT/src and
     its part's folder: the part of the header must be the file's own part, a part
     the file's part is allowed to use, or an 'except' line for that file;
  2. every call edge read with nm from the object files BUILD/src/**/CMakeFiles/*.dir/*.o
     and BUILD/tools/**/CMakeFiles/*.dir/*.o (default BUILD: ROOT/build): the object
     that uses a symbol (U) and the object that defines it (T/D/B/R/...) must obey
     the same rules;
  3. no two or more object files call each other in a circle (A uses a symbol of B
     and B, directly or through others, a symbol of A): every cycle is listed with
     the symbols on each of its edges.

Each violation is one line 'check-layers: FILE[:LINE]: what: rule'. Exit 0 when the
tree is clean, 1 on a violation, 2 on a usage or setup error (no objects: build first).

  --layers FILE   the layer rules (format described at the top of layers.txt)
  --no-objects    check the #include edges only (no build needed)
  NM=...          the nm to use (default nm)
EOF
}

for a in "$@"; do
	case "$a" in
	-h|--help) usage; exit 0 ;;
	esac
done

command -v python3 >/dev/null || { echo "check-layers: needs python3 (scripts/install-deps.sh installs it)" >&2; exit 2; }
exec python3 - "$(cd "$(dirname "$0")" && pwd)" "$@" <<'PYEOF'
import os
import re
import subprocess
import sys

PROG = "check-layers"
DEF_TYPES = set("TDBRGSCVW")


def die(msg):
	print(f"{PROG}: {msg}", file=sys.stderr)
	sys.exit(2)


def parse_args(argv):
	script_dir, args = argv[0], argv[1:]
	layers, objects, pos = None, True, []
	i = 0
	while i < len(args):
		a = args[i]
		if a == "--layers":
			if i + 1 >= len(args):
				die("--layers needs a file")
			layers = args[i + 1]
			i += 1
		elif a.startswith("--layers="):
			layers = a.split("=", 1)[1]
		elif a == "--no-objects":
			objects = False
		elif a.startswith("-"):
			die(f"unknown option {a} (see --help)")
		else:
			pos.append(a)
		i += 1
	if len(pos) > 2:
		die("too many arguments (see --help)")
	root = os.path.abspath(pos[0] if pos else os.path.join(script_dir, ".."))
	build = os.path.abspath(pos[1] if len(pos) > 1 else os.path.join(root, "build"))
	layers = os.path.abspath(layers or os.path.join(script_dir, "layers.txt"))
	return root, build, layers, objects


class Rules:
	def __init__(self, path):
		self.path = path
		self.parts = []       # (dir, name), longest dir first
		self.allow = {}       # name -> set of names ('*' = all)
		self.excepts = []     # (file, target, reason)
		names = set()
		with open(path) as f:
			for n, line in enumerate(f, 1):
				line = line.split("#", 1)[0].strip()
				if not line:
					continue
				w = line.split()
				where = f"{path}:{n}"
				if w[0] == "part" and len(w) >= 3:
					names.add(w[1])
					self.parts += [(d.rstrip("/"), w[1]) for d in w[2:]]
				elif w[0] == "allow" and len(w) >= 3 and w[2] == "->":
					self.allow.setdefault(w[1], set()).update(w[3:])
				elif w[0] == "except" and len(w) >= 5 and w[2] == "->":
					self.excepts.append((w[1], w[3], " ".join(w[4:])))
				else:
					die(f"{where}: cannot read '{line}' (part/allow/except, with a reason for except)")
		for src, dsts in self.allow.items():
			for p in {src} | (dsts - {"*"}):
				if p not in names:
					die(f"{path}: allow names unknown part '{p}'")
		self.parts.sort(key=lambda p: -len(p[0]))
		self.names = names
		self.check_acyclic()

	def check_acyclic(self):
		# The allowed edges themselves must form layers: no circle between parts.
		state = {}

		def visit(p, stack):
			state[p] = 1
			for q in sorted(self.allow.get(p, set()) - {"*", p}):
				if state.get(q) == 1:
					die(f"{self.path}: allowed edges form a circle: {' -> '.join(stack + [p, q])}")
				if q not in state:
					visit(q, stack + [p])
			state[p] = 2
		for p in sorted(self.names):
			if p not in state and "*" not in self.allow.get(p, set()):
				visit(p, [])

	def part_of(self, rel):
		for d, name in self.parts:
			if rel == d or rel.startswith(d + "/"):
				return name
		return None

	def part_dir(self, rel):
		for d, _ in self.parts:
			if rel == d or rel.startswith(d + "/"):
				return d
		return None

	def allowed(self, a, b):
		return a == b or b in self.allow.get(a, ()) or "*" in self.allow.get(a, ())


def source_files(root, rules):
	out = []
	for d, _ in rules.parts:
		top = os.path.join(root, d)
		for dirpath, dirnames, filenames in os.walk(top):
			dirnames.sort()
			for fn in sorted(filenames):
				if fn.endswith((".c", ".h")):
					rel = os.path.relpath(os.path.join(dirpath, fn), root)
					if rules.part_dir(rel) == d:
						out.append(rel)
	return sorted(set(out))


INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def resolve(root, rules, rel, kind, name):
	dirs = []
	if kind == '"':
		dirs.append(os.path.dirname(rel))
	dirs += ["include", "src"]
	if kind == '"' and rules.part_dir(rel):
		dirs.append(rules.part_dir(rel).split("/")[0])
	for d in dirs:
		cand = os.path.normpath(os.path.join(d, name))
		if not cand.startswith("..") and os.path.isfile(os.path.join(root, cand)):
			return cand
	return None


def header_words(root, rel, cache={}):
	# Identifiers of a header outside its comments: what an exception to include it lets a file call.
	if rel not in cache:
		try:
			text = open(os.path.join(root, rel), errors="replace").read()
		except OSError:
			text = ""
		text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
		text = re.sub(r"//[^\n]*", " ", text)
		cache[rel] = set(re.findall(r"[A-Za-z_]\w*", text))
	return cache[rel]


def excepted(root, rules, src, target, sym=None):
	for f, t, _ in rules.excepts:
		if f != src:
			continue
		if sym is None and t == target:
			return True
		if sym is not None and (t == target or (t.endswith(".h") and sym in header_words(root, t))):
			return True
	return False


def check_includes(root, rules, files, report):
	edges = 0
	for rel in files:
		src_part = rules.part_of(rel)
		with open(os.path.join(root, rel), errors="replace") as f:
			for n, line in enumerate(f, 1):
				m = INCLUDE_RE.match(line)
				if not m:
					continue
				hdr = resolve(root, rules, rel, m.group(1), m.group(2))
				if hdr is None:
					continue
				dst_part = rules.part_of(hdr)
				if dst_part is None:
					continue
				edges += 1
				if rules.allowed(src_part, dst_part) or excepted(root, rules, rel, hdr):
					continue
				report(f"{rel}:{n}: includes {hdr}: layer rule: {src_part} may not use {dst_part}")
	return edges


OBJ_RE = re.compile(r"^(.*?)/?CMakeFiles/([^/]+)\.dir/(.+)\.o$")


def object_files(build):
	out = {}
	for top in ("src", "tools"):
		for dirpath, dirnames, filenames in os.walk(os.path.join(build, top)):
			dirnames.sort()
			for fn in sorted(filenames):
				if not fn.endswith(".o"):
					continue
				rel = os.path.relpath(os.path.join(dirpath, fn), build)
				m = OBJ_RE.match(rel)
				if not m:
					continue
				src = os.path.normpath(os.path.join(m.group(1), m.group(3).replace("__/", "../")))
				out[os.path.join(build, rel)] = (src, f"{m.group(1)}/{m.group(2)}")
	return out


def read_nm(objs):
	nm = os.environ.get("NM") or "nm"
	defs, uses = {}, {}
	paths = sorted(objs)
	for i in range(0, len(paths), 200):
		chunk = paths[i:i + 200]
		try:
			res = subprocess.run([nm, "-A", "-P"] + chunk, capture_output=True, text=True)
		except OSError as e:
			die(f"cannot run {nm}: {e}")
		if res.returncode != 0:
			die(f"{nm} failed: {res.stderr.strip()}")
		for line in res.stdout.splitlines():
			if ": " not in line:
				continue
			path, rest = line.split(": ", 1)
			w = rest.split()
			if len(w) < 2 or path not in objs:
				continue
			sym, typ = w[0], w[1]
			if typ == "U":
				uses.setdefault(path, set()).add(sym)
			elif typ in DEF_TYPES:
				defs.setdefault(sym, []).append(path)
	return defs, uses


def call_graph(objs, defs, uses):
	graph = {}   # src -> {dst src: set(symbols)}
	for obj, syms in uses.items():
		src, target = objs[obj]
		for sym in syms:
			where = defs.get(sym)
			if not where:
				continue
			if len(where) > 1:
				same = [o for o in where if objs[o][1] == target]
				if len(same) != 1:
					print(f"{PROG}: warning: {src}: {sym} is defined in {len(where)} objects, edge skipped", file=sys.stderr)
					continue
				where = same
			dst = objs[where[0]][0]
			if dst != src:
				graph.setdefault(src, {}).setdefault(dst, set()).add(sym)
	return graph


def check_calls(root, rules, graph, report):
	for src in sorted(graph):
		a = rules.part_of(src)
		for dst in sorted(graph[src]):
			b = rules.part_of(dst)
			if a is None or b is None or rules.allowed(a, b):
				continue
			bad = sorted(s for s in graph[src][dst] if not excepted(root, rules, src, dst, s))
			if bad:
				report(f"{src}: calls {', '.join(bad)} of {dst}: layer rule: {a} may not use {b}")


def sccs(graph):
	index, low, on, stack, out = {}, {}, set(), [], []
	nodes = sorted(set(graph) | {d for s in graph.values() for d in s})

	def strong(v):
		index[v] = low[v] = len(index)
		stack.append(v)
		on.add(v)
		for w in sorted(graph.get(v, {})):
			if w not in index:
				strong(w)
				low[v] = min(low[v], low[w])
			elif w in on:
				low[v] = min(low[v], index[w])
		if low[v] == index[v]:
			comp = []
			while True:
				w = stack.pop()
				on.discard(w)
				comp.append(w)
				if w == v:
					break
			out.append(sorted(comp))
	sys.setrecursionlimit(10000)
	for v in nodes:
		if v not in index:
			strong(v)
	return [c for c in out if len(c) > 1]


def cycles_in(graph, comp, limit=100):
	# Every elementary cycle of a strongly connected component, each from its smallest file.
	inside, out = set(comp), []

	def walk(start, v, path):
		for w in sorted(graph.get(v, {})):
			if w not in inside or w < start or len(out) >= limit:
				continue
			if w == start:
				out.append(path + [start])
			elif w not in path:
				walk(start, w, path + [w])
	for s in comp:
		walk(s, s, [s])
	return out


def check_cycles(graph, report):
	for comp in sorted(sccs(graph)):
		cyc = cycles_in(graph, comp)
		for c in cyc:
			report(f"{c[0]}: calls in a circle {' -> '.join(c)}: rule: no cycles between object files")
			for a, b in zip(c, c[1:]):
				print(f"    {a} uses {', '.join(sorted(graph[a][b]))} of {b}")
		if len(cyc) >= 100:
			print(f"    ... more cycles between {', '.join(comp)}")


def main():
	root, build, layers, objects = parse_args(sys.argv[1:])
	if not os.path.isfile(layers):
		die(f"no layer rules {layers}")
	rules = Rules(layers)
	count = [0]

	def report(msg):
		count[0] += 1
		print(f"{PROG}: {msg}")
	files = source_files(root, rules)
	edges = check_includes(root, rules, files, report)
	nobj = 0
	if objects:
		objs = object_files(build)
		if not objs:
			die(f"no object files under {build}/src or {build}/tools: build first (or --no-objects)")
		nobj = len(objs)
		graph = call_graph(objs, *read_nm(objs))
		check_calls(root, rules, graph, report)
		check_cycles(graph, report)
	if count[0]:
		print(f"{PROG}: {count[0]} violation(s) of {os.path.relpath(layers, root)}")
		sys.exit(1)
	print(f"{PROG}: ok ({len(files)} files, {edges} include edges, {nobj} object files)")


main()
PYEOF
