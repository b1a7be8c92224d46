#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that no part of the module calls upward.

The layers are the order of the objects in drivers/portown/Kbuild's
"portown-y" list, from the bottom up.  A file may use the functions and
variables of the files before it, never of one after it: what a lower
part must tell a higher one goes through an interface the higher one
registers (see Documentation/design.rst, "Layers").

Usage: layers.py DIR     (prints each upward use; exit status 1 if any)
"""
import os
import re
import sys


def strip(text):
    """C source without comments and string literals."""
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def layers(kbuild):
    """The objects of portown-y, in order, as .c file names."""
    text = open(kbuild).read().replace('\\\n', ' ')
    match = re.search(r'^portown-y\s*:=\s*(.*)$', text, flags=re.M)
    if not match:
        sys.exit(f'{kbuild}: no portown-y list')
    return [obj[:-2] + '.c' for obj in match.group(1).split()]


# A definition at file scope, not static: "type name(args) {" or "type name ...;"
FUNC = re.compile(r'^(?!static\b)[A-Za-z_][\w \t*]*?\b(portown_\w+)\s*\([^;{]*\)\s*\{',
                  flags=re.M)
VAR = re.compile(r'^(?!static\b|extern\b)(?:struct\s+\w+|const|unsigned|bool|int|long|u32)'
                 r'[^;(=]*?\b(portown_\w+)\s*(?:=|;|\[)', flags=re.M)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    top = sys.argv[1]
    order = layers(os.path.join(top, 'Kbuild'))
    src = {f: strip(open(os.path.join(top, f)).read()) for f in order}
    owner = {}
    for f in order:
        for rx in (FUNC, VAR):
            for m in rx.finditer(src[f]):
                owner.setdefault(m.group(1), f)
    bad = 0
    for i, f in enumerate(order):
        seen = set()
        for m in re.finditer(r'\b(portown_\w+)\b', src[f]):
            name = m.group(1)
            g = owner.get(name)
            if g is None or g == f or name in seen:
                continue
            seen.add(name)
            if order.index(g) > i:
                print(f'{top}/{f}: uses {name}() of {g}, a layer above it')
                bad = 1
    if not bad:
        print(f'layers: {len(order)} files, nothing calls upward')
    return bad


if __name__ == '__main__':
    sys.exit(main())
