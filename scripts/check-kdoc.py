#!/usr/bin/env python3
"""check-kdoc.py [--list] [HEADER...] - every function a header declares
has a kernel-doc comment right above it:

    /**
     * name() - what it does
     * @param:	what it is
     *
     * Return: ...
     */

The comment opens with "/**", its first line is "name() - what", it has
"Return:" unless the function returns void (and none if it does), and
every @name it mentions is one of the function's parameters.  One comment
documents one declaration.  Static inline functions (defined, not
declared) need none.

The headers are include/*.h unless named (paths from the top of the
tree).  Prints what is wrong, one line each, then a count; exits 1 if
anything is.  --list prints every declaration found (FILE:LINE NAME),
to compare with `gcc -aux-info`.
"""
import glob
import re
import sys

KEYWORDS = {"const", "volatile", "struct", "enum", "union", "unsigned",
            "signed", "void", "int", "char", "long", "short", "double",
            "float", "bool", "_Bool", "restrict", "static", "inline",
            "extern"}


def scan(text):
    """File-scope statements of a C header, each with the comment right
    above it: yields (start offset, statement text at brace depth 0,
    comment or None).  Preprocessor lines, string and character literals
    and everything inside braces are left out."""
    i, n = 0, len(text)
    depth = 0
    stmt, start = [], None
    comment, comment_end = None, -1
    at_line_start = True
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            if depth == 0 and start is None:
                comment, comment_end = text[i:j], j
            i = j
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "#" and at_line_start:
            # A directive, with its continuation lines.
            while i < n:
                j = text.find("\n", i)
                if j < 0:
                    i = n
                    break
                if text[j - 1] != "\\":
                    i = j
                    break
                i = j + 1
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            if depth == 0:
                stmt.append(text[i:j + 1])
            i = j + 1
            continue
        if c == "\n":
            at_line_start = True
        elif not c.isspace():
            at_line_start = False
        if c == "{":
            depth += 1
            if depth == 1:
                stmt.append("{}")
        elif c == "}":
            depth -= 1
            if depth == 0 and is_function_body(stmt):
                # A definition (static inline): it ends here.
                stmt, start = [], None
                comment = None
        elif depth == 0:
            if start is None and not c.isspace():
                start = i
                if text[comment_end:i].strip():
                    comment = None
            if c == ";":
                yield start, "".join(stmt), comment
                stmt, start = [], None
                comment = None
            elif start is not None:
                stmt.append(c)
        i += 1


def is_function_body(stmt):
    """Does the statement so far end with a parameter list and a body
    (a function's definition rather than a struct's)?"""
    s = "".join(stmt)
    return re.search(r"\)\s*\{\}$", s) is not None


def strip_attributes(s):
    """The statement without __attribute__((...)) and PRINTF(...)."""
    while True:
        m = re.search(r"\b(__attribute__|PRINTF)\s*\(", s)
        if not m:
            return s
        j, d = m.end(), 1
        while j < len(s) and d:
            d += {"(": 1, ")": -1}.get(s[j], 0)
            j += 1
        s = s[:m.start()] + s[j:]


def split_top(s, sep=","):
    """@s split at @sep outside parentheses and brackets."""
    parts, d, cur = [], 0, ""
    for c in s:
        if c in "([":
            d += 1
        elif c in ")]":
            d -= 1
        if c == sep and d == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    return parts


def declaration(stmt):
    """(name, return type, parameter names) if @stmt declares a function,
    else None."""
    s = " ".join(strip_attributes(stmt).split())
    if re.match(r"(typedef|static)\b", s):
        return None
    p = s.find("(")
    if p < 0:
        return None
    head = s[:p].split()
    if len(head) < 2 and not (head and head[-1].startswith("*")):
        return None  # "int (*fp)(void)": a pointer, not a function
    m = re.search(r"(\w+)$", s[:p].rstrip())
    if not m or m.group(1) in KEYWORDS:
        return None
    name = m.group(1)
    rtype = " ".join(s[:m.start()].replace("extern", "").split())
    # The parameter list: from p to its closing parenthesis.
    d, j = 0, p
    for j in range(p, len(s)):
        d += {"(": 1, ")": -1}.get(s[j], 0)
        if d == 0:
            break
    params = []
    for prm in split_top(s[p + 1:j]):
        prm = re.sub(r"\[[^\]]*\]", "", prm).strip()
        fp = re.match(r"[^(]*\(\s*\*\s*(\w+)\s*\)", prm)
        if fp:
            params.append(fp.group(1))
        elif prm not in ("void", "...", ""):
            w = re.findall(r"\w+", prm)
            if w and w[-1] not in KEYWORDS:
                params.append(w[-1])
    return name, rtype, params


def check(doc, name, rtype, params):
    """What is wrong with @doc as the kernel-doc of a function."""
    if doc is None:
        return "no comment"
    if not doc.startswith("/**"):
        return "its comment is not kernel-doc (/**)"
    lines = [re.sub(r"^\s*\*+/?\s?", "", ln)
             for ln in doc[3:].rstrip("/").rstrip("*").split("\n")]
    first = next((ln for ln in lines if ln.strip()), "")
    if not first.startswith(name + "() - "):
        return f"kernel-doc does not begin with '{name}() - '"
    body = "\n".join(lines)
    void = rtype == "void"
    if not void and not re.search(r"^Return:", body, re.M):
        return "kernel-doc lacks 'Return:'"
    if void and re.search(r"^Return:", body, re.M):
        return "kernel-doc has 'Return:' but it returns void"
    # "... @r1" in quotes is an example of text, not a reference.
    unquoted = re.sub(r'"[^"\n]*"', '""', body)
    for w in re.findall(r"(?<![\w@])@(\w+)", unquoted):
        if w not in params:
            return f"kernel-doc names @{w}, which is no parameter"
    return None


def main(argv):
    listing = "--list" in argv
    paths = [a for a in argv if a != "--list"] or sorted(glob.glob("include/*.h"))
    bad = total = 0
    for path in paths:
        with open(path) as f:
            text = f.read()
        for start, stmt, doc in scan(text):
            d = declaration(stmt)
            if d is None:
                continue
            name, rtype, params = d
            line = text.count("\n", 0, start) + 1
            total += 1
            if listing:
                print(f"{path}:{line} {name}")
            why = check(doc, name, rtype, params)
            if why:
                print(f"{path}:{line}: {name}(): {why}")
                bad += 1
    print(f"kernel-doc: {bad} of {total} functions in {len(paths)} "
          f"headers without a proper comment")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
