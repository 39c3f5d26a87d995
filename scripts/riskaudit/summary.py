"""Reading shipline-risk's Markdown summary back: the part above the first `<details>`, its first
table, the top-risk list, and the folded sections with their lists and tables."""

import html
import re

SHA_RE = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{7,40}(?![0-9A-Za-z])")


def unescape(text):
    """Markdown and HTML escapes undone, so names compare with what git says."""
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|<>~])", r"\1", text)
    return html.unescape(text)


def cells(row):
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)]


def table_rows(lines):
    """The body rows (cells) of the Markdown tables among `lines`."""
    rows = []
    for line in lines:
        s = line.strip()
        if not s.startswith("|"):
            continue
        parts = cells(s)
        if all(re.fullmatch(r":?-{3,}:?", p) for p in parts if p):
            if rows:
                rows.pop()  # the header row just before the separator
            continue
        rows.append(parts)
    return rows


class Summary:
    def __init__(self, md, fmt):
        self.text = md
        self.fmt = fmt
        cut = md.find("<details>")
        self.top = md if cut < 0 else md[:cut]
        self.sections = []
        for m in re.finditer(r"<details>\s*<summary>(.*?)</summary>(.*?)(?=<details>|\Z)", md, re.S):
            body = m.group(2)
            end = body.rfind("</details>")
            self.sections.append((unescape(m.group(1)).strip(), body[:end] if end >= 0 else body))
        self.first_table = []
        started = False
        for line in md.split("\n"):
            if line.strip().startswith("|"):
                started = True
                self.first_table.append(line)
            elif started:
                break

    def top_lines(self):
        """The lines above the first `<details>`, without the hidden marker and the blank lines
        at the end."""
        lines = [l for l in self.top.split("\n") if l.strip() != self.fmt["marker"]]
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        return lines

    def row(self, labels):
        """The rest of the first-table row whose first cell is one of `labels`, else None."""
        for line in self.first_table:
            parts = cells(line)
            if parts and parts[0].strip("* ").lower() in {l.lower() for l in labels}:
                return " | ".join(parts[1:])
        return None

    def top_risks(self):
        heading = self.fmt["top_heading"]
        at = self.top.find(heading)
        if at < 0:
            return []
        return [l for l in self.top[at + len(heading):].split("\n") if l.lstrip().startswith(("- ", "* ", "1"))]

    def section(self, prefixes):
        for title, body in self.sections:
            if title.lower().startswith(tuple(p.lower() for p in prefixes)):
                return title, body
        return None

    def grouped_items(self, body):
        """[(heading, line)] for the list items of a section, under the `**heading**` before them."""
        heading, out = None, []
        for line in body.split("\n"):
            s = line.strip()
            m = re.fullmatch(r"\*\*(.+?)\*\*:?", s) or re.fullmatch(r"#{2,6}\s+(.+)", s)
            if m:
                heading = unescape(m.group(1)).strip()
                continue
            if s.startswith(("- ", "* ")):
                out.append((heading, s))
        return out

    def more(self, text):
        """The sum of the "and N more" counts in `text`."""
        return sum(int(n.replace(",", "")) for n in re.findall(self.fmt["more"], text))

    def cut(self, section):
        """How many entries a cut list says it leaves out: the "… and N more" lines that open
        its groups, not the "and N more" inside one entry's reasons."""
        return sum(int(n.replace(",", "")) for n in re.findall(self.fmt["more_line"], section))
