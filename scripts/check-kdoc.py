#!/usr/bin/env python3
"""check-kdoc.py - every function a header in include/ declares has a
kernel-doc comment right above it: "/**", then " * name() - what", and
"Return:" unless it returns void.  Prints what lacks one; exits 1 if any.
"""
import re
import sys
import glob

bad = 0
for path in sorted(glob.glob("include/*.h")):
    text = open(path).read()
    # Declarations at file scope: a line that starts a prototype and ends
    # with ");" (possibly on later lines), not static inline bodies.
    for m in re.finditer(r'^(?!static|typedef|#|\s|/|\*|struct \w+ \{|enum|extern|\})'
                         r'([^;{}()]*?\b(\w+)\s*\([^;{}]*\))\s*(PRINTF\([^)]*\))?\s*;',
                         text, re.M):
        decl, name = m.group(1), m.group(2)
        before = text[:m.start()].rstrip()
        if not before.endswith("*/"):
            print(f"{path}: {name}(): no comment")
            bad += 1
            continue
        start = before.rfind("/**")
        if start < 0 or before.rfind("*/", 0, len(before) - 2) > start:
            print(f"{path}: {name}(): its comment is not kernel-doc (/**)")
            bad += 1
            continue
        doc = before[start:]
        if not re.search(r'\*\s+' + re.escape(name) + r'\(\) - ', doc):
            print(f"{path}: {name}(): kernel-doc lacks '{name}() - '")
            bad += 1
        elif not decl.lstrip().startswith("void ") and "Return:" not in doc:
            print(f"{path}: {name}(): kernel-doc lacks 'Return:'")
            bad += 1
print(f"kernel-doc: {bad} function(s) without a proper comment")
sys.exit(1 if bad else 0)
