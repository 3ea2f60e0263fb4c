"""The drop-in folder's pages (`docs/sims/backpropagation/` of any MkDocs textbook), made from
the lesson's own Markdown.

A textbook may have none of this site's Markdown extensions. With MkDocs' default Markdown,
`\\(` becomes `(` and `\\\\` becomes `\\`, and `{ .md-button }` and `??? question` show as
text. So every block that needs an extension (math, a button, a collapsible answer) is turned
into HTML here, by this site's own extensions (mkdocs.yml), exactly as the site renders it:
Markdown leaves raw HTML alone, so every textbook shows it as it is. The math is then
arithmatex's own markup, `<span class="arithmatex">\\(…\\)</span>` and
`<div class="arithmatex">\\[…\\]</div>`, which a textbook's MathJax or KaTeX renders; the folder
brings KaTeX and its auto-render, which render it where nothing else does (and leave alone what
is rendered already). Without scripts the TeX stays readable, every backslash in place.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import urlparse

import markdown as python_markdown
import yaml

import lesson  # tools/lesson.py
from backprop_sim.toolwords import COMPACT_HEIGHT, EMBED_HEIGHT, embed_iframe

ROOT = Path(__file__).resolve().parent.parent
FOLDER = "backpropagation"  # the MicroSim convention: docs/sims/NAME/, its picture NAME.png
IMAGE = f"/sims/{FOLDER}/{FOLDER}.png"
# Where each page of the site's sim/ goes in the folder: every page an index.md in a folder of its
# own, so that its relative paths (to katex/, main.html) hold with use_directory_urls true and false.
PAGES = {"index.md": "index.md", "teaching-notes.md": "teaching-notes/index.md"}
LINK = re.compile(r'(\]\(|(?:href|src)="|url\(")([^)"\s]+)')

# what needs an extension a plain textbook lacks: math, an attr_list button, a collapsible block
NEEDS_EXTENSION = re.compile(r"\$|^\?\?\? |\]\([^)\s]*\)\{[^}\n]*\}", re.M)
# The folder's own renderer, after the page's last section (Markdown passes <style> and <script>
# through): KaTeX and its auto-render, run by math.js (tools/textbook-math.js) inside the arithmatex
# elements only
RENDERER = """<style>@import url("katex/katex.min.css");</style>
<script src="katex/katex.min.js"></script>
<script src="katex/contrib/auto-render.min.js"></script>
<script src="math.js"></script>"""
MATH_JS = ROOT / "tools" / "textbook-math.js"

TEXTBOOK_COPY = f"""Copy this iframe to your website:

```html
{embed_iframe(f"../../sims/{FOLDER}/main.html")}
```

That is the path from a chapter two folders down (`docs/chapters/NAME/index.md`); on another
site, write your textbook's address before `sims/{FOLDER}/main.html`."""

TEXTBOOK_EMBED = f"""In a frame {COMPACT_HEIGHT} px high, like the snippet at the top of this page, the
simulation shows its compact view: the drawing, the step buttons, the status and the current
equation, with every other tool behind **Tools**. The simulation's **Copy embed code** (under
*Share and export*) gives a snippet with this site's address and the current setup."""


def _site_markdown() -> python_markdown.Markdown:
    """Python-Markdown with the extensions and settings of this site's mkdocs.yml."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    names, settings = [], {}
    for entry in config["markdown_extensions"]:
        name, options = next(iter(entry.items())) if isinstance(entry, dict) else (entry, None)
        names.append(name)
        if options:
            settings[name] = options
    return python_markdown.Markdown(extensions=names, extension_configs=settings)


def blocks(text: str) -> list[str]:
    """Top-level blocks, split at blank lines; a fenced code block stays whole."""
    found, current, fenced = [], [], False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced or line.strip() != "```"  # an opening fence, or not yet its closing one
        if not line.strip() and not fenced:
            if current:
                found.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        found.append("\n".join(current))
    return found


def as_html(block: str, md: python_markdown.Markdown) -> str:
    """A block rendered as the site renders it, as one raw HTML block; the build stops when it
    would lose what MkDocs does to Markdown (a heading's anchor, a link to another page)."""
    if block.startswith("#"):
        raise ValueError(f"a heading needs no extension in the textbook; write it without math: {block[:60]!r}")
    html = md.reset().convert(block)
    if re.search(r'href="[^"#]*\.md\b', html):
        raise ValueError(f"MkDocs would not rewrite this link to a page inside raw HTML; move it out of the block: {block[:80]!r}")
    return "\n".join(line for line in html.split("\n") if line.strip())


def plain_markdown(text: str) -> str:
    """Every block that needs an extension as HTML; the others (headings, lists, tables, code,
    links to pages) stay Markdown, which MkDocs renders and links in any textbook."""
    md = _site_markdown()
    parts = blocks(text)
    front = parts[0].startswith("---") if parts else False
    out = [block if (front and i == 0) or block.lstrip().startswith("```") or not NEEDS_EXTENSION.search(block)
           else as_html(block, md) for i, block in enumerate(parts)]
    return "\n\n".join(out) + "\n"


def relinked(text: str, page: str) -> str:
    """The page's relative links (Markdown, HTML and CSS, outside code blocks) as seen from where
    the page sits in the folder (PAGES)."""
    here = posixpath.dirname(PAGES[page]) or "."

    def move(match: re.Match) -> str:
        target = match.group(2)
        if urlparse(target).scheme or target.startswith(("#", "/")):
            return match.group(0)
        path, hash_, fragment = target.partition("#")
        path = posixpath.relpath(PAGES.get(path, path), here) if path else path
        return match.group(1) + path + hash_ + fragment

    return "\n\n".join(block if block.lstrip().startswith("```") else LINK.sub(move, block) for block in blocks(text)) + "\n"


def textbook_page(text: str, page: str = "index.md") -> str:
    """A page of the folder: the markers filled as the folder needs them, only what is in the
    folder, its links from where it sits (PAGES)."""
    text = lesson.expand(text, overrides={
        "worked_example": lambda: lesson.worked_example(plain=True),
        "embed_snippet": lambda: TEXTBOOK_EMBED,
        "embed_copy": lambda: TEXTBOOK_COPY,
    })
    text = re.sub(r'<div class="online-only"[^>]*>.*?</div>\n*', "", text, flags=re.S)
    text = re.sub(r" ?[^.\n]*\[[^\]]*\]\(source\.md\)[^.]*\.", "", text)  # the source page is not in the folder
    text = plain_markdown(text)
    if 'class="arithmatex"' in text:
        text += "\n" + RENDERER + "\n"
    return relinked(text, page)


def textbook_lesson(text: str) -> str:
    """The lesson for the drop-in folder (`docs/sims/backpropagation/index.md`): its social
    card the folder's own picture, by the collection's path."""
    head, sep, body = text.partition("\n---\n")
    head = re.sub(r"^(og:)?image: .*$", lambda m: f"{m.group(1) or ''}image: {IMAGE}", head, flags=re.M)
    # the lesson's own frame sizes itself with the MicroSim resize script, inside the folder
    body = body.replace('title="Backpropagation MicroSim" loading="lazy"></iframe>',
                        'title="Backpropagation MicroSim" loading="lazy"></iframe>\n<script src="microsim-embed.js"></script>', 1)
    return textbook_page(head + sep + body)
