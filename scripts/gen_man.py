#!/usr/bin/env python3
"""Writes glued's man page, glued.8, from the README, so that the README stays the one place options are
described.

    scripts/gen_man.py README.md VERSION > build/glued.8

The page is NAME, SYNOPSIS (the code block that opens the README's "Options"), DESCRIPTION (what the README says
before its first section), then the README sections listed in SECTIONS, converted from the little Markdown they use:
paragraphs, bullet lists (a bullet that opens with `term`: becomes a tagged paragraph), fenced code blocks,
`code` and **bold**."""

import re
import sys

SECTIONS = [("Options", "OPTIONS"), ("Command line", "COMMANDS"), ("Glue scripts", "GLUE SCRIPTS"),
            ("Export and import", "EXPORT AND IMPORT"), ("Test suites", "TEST SUITES"), ("Installing", "FILES")]


def escape(text):
    """Roff-safe text: backslashes, and dashes as minus signs (options must be typed with ASCII hyphens)."""
    return text.replace("\\", "\\e").replace("-", "\\-")


def inline(text):
    """`code` and **bold** to bold, the rest escaped."""
    out, pos = [], 0
    for m in re.finditer(r"`([^`]+)`|\*\*([^*]+)\*\*", text):
        out.append(escape(text[pos:m.start()]))
        out.append("\\fB" + escape(m.group(1) or m.group(2)) + "\\fR")
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def line_safe(s):
    """A roff text line must not start with a control character."""
    return "\\&" + s if s.startswith((".", "'")) else s


def section(readme, title):
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    if not m:
        raise SystemExit(f"gen_man: the README has no section '## {title}'")
    return m.group(1)


def blocks(body):
    """Paragraphs, bullets and code blocks of a section, in order: (kind, text)."""
    lines = body.split("\n")
    i, out = 0, []
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append(("code", "\n".join(lines[i + 1:j])))
            i = j + 1
        elif line.startswith("- "):
            item = [line[2:]]
            i += 1
            while i < len(lines) and lines[i].startswith("  ") and lines[i].strip():
                item.append(lines[i].strip())
                i += 1
            out.append(("item", " ".join(item)))
        elif line.strip():
            para = [line.strip()]
            i += 1
            while i < len(lines) and lines[i].strip() and not lines[i].startswith(("- ", "```")):
                para.append(lines[i].strip())
                i += 1
            out.append(("para", " ".join(para)))
        else:
            i += 1
    return out


def render(body, skip_first_code=False):
    out = []
    for kind, text in blocks(body):
        if kind == "code":
            if skip_first_code:
                skip_first_code = False
                continue
            out += [".PP", ".RS 4", ".nf"] + [line_safe(escape(l)) for l in text.split("\n")] + [".fi", ".RE"]
        elif kind == "item":
            m = re.match(r"^`([^`]+)`: (.*)$", text)
            if m:
                out += [".TP", "\\fB" + escape(m.group(1)) + "\\fR", line_safe(inline(m.group(2)))]
            else:
                out += [".IP \\(bu 2", line_safe(inline(text))]
        else:
            out += [".PP", line_safe(inline(text))]
    return out


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: gen_man.py README.md VERSION")
    readme = open(sys.argv[1], encoding="utf-8").read()
    version = sys.argv[2]
    intro = "\n".join(l for l in readme.split("\n## ", 1)[0].split("\n") if not l.startswith("# "))
    options = section(readme, "Options")
    synopsis = next(b for k, b in blocks(options) if k == "code")
    out = [f'.TH GLUED 8 "" "glued {escape(version)}" "System Manager\'s Manual"', ".nh", ".ad l",
           ".SH NAME", "glued \\- a self-hosted AWS Glue Workflows service",
           ".SH SYNOPSIS", ".nf"] + [line_safe(escape(l)) for l in synopsis.split("\n")] + [".fi",
           ".SH DESCRIPTION"] + render(intro)
    for title, name in SECTIONS:
        out.append(f".SH {name}")
        out += render(section(readme, title), skip_first_code=title == "Options")
    out += [".SH SEE ALSO", "The README of glued's source, from which this page is made, and \\fIdocs/design.md\\fR."]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
