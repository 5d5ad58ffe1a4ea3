"""The rich text of lessons, made safe with nh3 (the Ammonia sanitiser): an allow-list of tags and
attributes, so that no script, no event handler, no style and no javascript: link gets through.

Plain text (no tag at all) is taken as paragraphs, one per blank-line-separated block."""

import html
import re

import nh3

TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h2",
        "h3",
        "h4",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "mark",
        "small",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "caption",
    }
)
ATTRIBUTES = {"a": {"href", "title"}, "th": {"colspan", "rowspan", "scope"}, "td": {"colspan", "rowspan"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_TAG = re.compile(r"<[A-Za-z/!]")


def rich_text(text: str) -> str:
    """Safe HTML for a lesson's text."""
    text = (text or "").strip()
    if not text:
        return ""
    if not _TAG.search(text):
        blocks = [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]
        return "".join("<p>" + html.escape(block).replace("\n", "<br>") + "</p>" for block in blocks)
    return nh3.clean(
        text,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def plain_text(safe_html: str) -> str:
    """The words of sanitised HTML, for a summary."""
    return html.unescape(re.sub(r"<[^>]+>", " ", safe_html or "")).strip()
