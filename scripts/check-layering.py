#!/usr/bin/env python3
"""Checks the #include graph of src/ against docs/design.md "Layering".

Usage: scripts/check-layering.py [SOURCE_DIR]
Prints one line per forbidden include (file:line, the include, the rule it
breaks) and exits 1 if there is any; prints a summary and exits 0 otherwise.
The TAP-like "# pass"/"# fail" lines let scripts/test-all.sh count it.
"""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
DESIGN = os.path.join(ROOT, "docs", "design.md")
SRC = os.path.join(ROOT, "src")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def table(text, name):
    m = re.search(r"<!-- %s:begin -->(.*?)<!-- %s:end -->" % (name, name), text, re.S)
    if not m:
        sys.exit("check-layering: docs/design.md has no %s table" % name)
    rows = []
    for line in m.group(1).strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not cells or set("".join(cells)) <= set("-: "):
            continue
        rows.append(cells)
    return rows[1:]  # without the header


def split(cell):
    return [x.strip() for x in cell.split(",") if x.strip()]


def main():
    text = open(DESIGN, encoding="utf-8").read()
    allowed, public = {}, {}
    for cells in table(text, "layering"):
        module = cells[0]
        allowed[module] = split(cells[1]) if len(cells) > 1 else []
        public[module] = set(split(cells[2])) if len(cells) > 2 else set()
    exceptions = {(c[0], c[1]) for c in table(text, "layering-exceptions")}
    modules = {d for d in os.listdir(SRC) if os.path.isdir(os.path.join(SRC, d))}
    problems, edges, used = [], 0, set()
    for module in sorted(modules):
        for dirpath, _, files in os.walk(os.path.join(SRC, module)):
            for f in sorted(files):
                if not f.endswith((".cc", ".h")) or f.endswith(("_test.cc", "_fuzz.cc")):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, ROOT)
                for n, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
                    m = INCLUDE.match(line)
                    if not m or "/" not in m.group(1):
                        continue
                    header = m.group(1)
                    target = header.split("/", 1)[0]
                    if target not in modules or target == module:
                        continue  # a third-party header, or the module's own
                    edges += 1
                    if (rel, header) in exceptions:
                        used.add((rel, header))
                        continue
                    where = '%s:%d: includes "%s": ' % (rel, n, header)
                    if module not in allowed:
                        problems.append(where + "module %s is not in the layering table of docs/design.md" % module)
                        continue
                    may = allowed[module]
                    if "*" in may:
                        continue
                    if target not in may:
                        problems.append(where + "%s may not depend on %s (it may include: %s)"
                                        % (module, target, ", ".join(may) or "nothing"))
                        continue
                    if target == "http" and module not in ("http", "app", "cli") and not re.match(r"(\w+_)?routes\.(h|cc)$", f):
                        problems.append(where + "only a module's routes.h/routes.cc include http/; "
                                        "services and stores speak the domain (%s -> http)" % module)
                        continue
                    if public.get(target) and header not in public[target]:
                        problems.append(where + "%s reaches %s only through its public headers (%s), "
                                        "never its store or internals" % (module, target,
                                                                           ", ".join(sorted(public[target]))))
    for rel, header in sorted(exceptions - used):
        problems.append('docs/design.md: the exception "%s includes %s" no longer applies; remove it'
                        % (rel, header))
    for p in problems:
        print(p)
    print("check-layering: %d includes between modules checked, %d exceptions, %d forbidden"
          % (edges, len(used), len(problems)))
    print("# pass %d" % (0 if problems else 1))
    print("# fail %d" % (1 if problems else 0))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
