"""Reading pages in tests."""

import re


def text(response) -> str:
    return response.content.decode()


def section(html: str, element_id: str, tag: str) -> str:
    """The element with this id, from its opening to the first closing `tag` after it."""
    return re.search(rf'id="{element_id}".*?</{tag}>', html, re.S)[0]
