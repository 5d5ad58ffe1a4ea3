"""The Simplified Chinese catalogue is complete and well-formed, and pages follow the chosen language."""

import gettext
import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

PO_PATH = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po"
# %(name)s, %s, %d … (python-format; "%%" is a literal percent sign) and {name} (python-brace-format).
PERCENT_PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{\w*(?:[.:!][^{}]*)?\}(?!\})")


def entries():
    return [entry for entry in polib.pofile(str(PO_PATH)) if not entry.obsolete]


def entry_id(entry):
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def placeholders(text: str, entry) -> Counter:
    found = Counter(PERCENT_PLACEHOLDER.findall(text)) if "python-format" in entry.flags else Counter()
    if "python-brace-format" in entry.flags:
        found.update(BRACE_PLACEHOLDER.findall(text))
    return found


def translations(entry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


# The catalogue


def test_catalogue_has_entries_and_one_plural_form():
    po = polib.pofile(str(PO_PATH))
    assert len(entries()) > 100
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert not po.metadata_is_fuzzy


@pytest.mark.parametrize("entry", entries(), ids=entry_id)
def test_every_entry_is_translated_and_keeps_its_placeholders(entry):
    assert "fuzzy" not in entry.flags
    if entry.msgid_plural:
        assert set(entry.msgstr_plural) == {0}, "Chinese has a single plural form"
    source = entry.msgid_plural or entry.msgid
    for text in translations(entry):
        assert text.strip(), "empty translation"
        assert placeholders(text, entry) == placeholders(source, entry)


# Pages


@pytest.fixture
def compiled_catalogue(settings):
    """Compile the catalogue when the .mo is missing or older than the .po (as on a clean clone
    where pytest runs without `make test`), then drop the translations already loaded."""
    mo_path = PO_PATH.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= PO_PATH.stat().st_mtime:
        return
    call_command("compile_translations", verbosity=0)
    gettext._translations.clear()  # Python's own cache of parsed .mo files
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)  # the setting_changed signal resets Django's cache


HOME = reverse("home")
MEMBERS = reverse("registry:member_list")
# (url, Chinese text, English text) of the secretary's pages: branch A1 has two members.
PAGES = [
    (HOME, "权限范围内的主要数据", "Key figures in your scope"),
    (HOME, "支部书记", "Branch secretary"),
    (MEMBERS, "2名党员", "2 members"),
    (MEMBERS, "组织关系所在党组织", "Home organisation"),
]


@pytest.mark.parametrize(("url", "chinese", "english"), PAGES)
def test_pages_are_in_chinese_by_default(compiled_catalogue, login, url, chinese, english):
    html = login("secretary").get(url).content.decode()
    assert '<html lang="zh-hans">' in html
    assert chinese in html
    assert english not in html


@pytest.mark.parametrize(("url", "chinese", "english"), PAGES)
def test_pages_follow_the_accept_language_header(compiled_catalogue, login, url, chinese, english):
    html = login("secretary").get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert english in html
    assert chinese not in html


@pytest.mark.parametrize(("url", "chinese", "english"), PAGES)
def test_the_language_cookie_wins_over_the_browser(compiled_catalogue, login, url, chinese, english):
    client = login("secretary")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert english in html
    assert chinese not in html


def test_the_language_switch_sets_the_cookie_and_switches_back(compiled_catalogue, login):
    client = login("secretary")
    response = client.post(reverse("set_language"), {"language": "en", "next": MEMBERS})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "2 members" in client.get(MEMBERS).content.decode()

    client.post(reverse("set_language"), {"language": "zh-hans", "next": MEMBERS})
    assert "2名党员" in client.get(MEMBERS).content.decode()
