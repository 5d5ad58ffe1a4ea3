"""The care pages as a cadre, a branch's editor and a reader use them: "my members" with what is
due and the contact form (htmx or plain), the branch's pairing page, the due list, policy and
rules, the histories, and the panel for the registry's member page. Pages are read in English."""

import re

from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhibu.care import queries, services
from zhibu.care.models import CarePolicy, Contact, ContactRule, Pairing
from zhibu.care.tests.helpers import TODAY, cadre_account, days_ago, mobile_member, pair_wang, talk
from zhibu.core.tests.pages import section, text

MINE = reverse("care:mine")


def contact_post(member, **values) -> dict:
    fields = {"kind": "talk", "on": str(TODAY), "channel": "phone", "summary": "聊了近况"} | values
    return {f"contact-{member.pk}-{name}": value for name, value in fields.items()}


# My members


def test_my_members_shows_who_is_due_with_overdue_in_red_and_in_words(as_persona, world):
    pair_wang(world, started_days_ago=100)  # never contacted: the talk was due 10 days ago
    soon = mobile_member(world, "陈静", 901)
    services.pair(world.root_user, world.mobile_a, soon, world.users["cadre"], days_ago(86))
    later = mobile_member(world, "孙丽", 902)
    services.pair(world.root_user, world.mobile_a, later, world.users["cadre"], days_ago(1))
    page = text(as_persona("cadre").get(MINE))
    due = section(page, "due-soon", "ul")
    assert "王强" in due and "陈静" in due and "孙丽" not in due
    assert due.index("王强") < due.index("陈静")  # the most overdue first
    assert re.search(r'text-bg-danger due-overdue">Overdue by 10 days<', due)
    assert "Due in 4 days" in due and "Never contacted" in due
    cards = section(page, "my-members", "section")
    assert cards.count('class="card mb-3 member-card"') == 3 and "By " in cards
    assert f'hx-post="{reverse("care:log_contact", args=[world.wang.pk])}"' in cards
    assert "13900139000" not in page and "139****9000" not in page  # no phone numbers on care pages


def test_a_cadre_logs_a_talk_with_htmx_and_a_repeat_is_already_recorded(as_persona, world):
    pair_wang(world, started_days_ago=100)
    client = as_persona("cadre")
    url = reverse("care:log_contact", args=[world.wang.pk])
    card = text(client.post(url, contact_post(world.wang), HTTP_HX_REQUEST="true"))
    assert card.strip().startswith('<div class="card mb-3 member-card" id="member-')
    assert "The contact has been recorded." in card and "Overdue" not in card and "Never contacted" not in card
    again = text(client.post(url, contact_post(world.wang, summary="又点了一次"), HTTP_HX_REQUEST="true"))
    assert "This contact was already recorded." in again and Contact.objects.count() == 1


def test_bad_contacts_are_refused_on_the_page_and_nothing_is_kept(as_persona, world):
    pair_wang(world, started_days_ago=30)
    client = as_persona("cadre")
    url = reverse("care:log_contact", args=[world.wang.pk])
    future = text(client.post(url, contact_post(world.wang, on=str(days_ago(-2)))))
    assert "The date lies in the future." in section(future, "contact-form", "form")
    before = text(client.post(url, contact_post(world.wang, on=str(days_ago(40))), HTTP_HX_REQUEST="true"))
    assert "The pairing began on" in before and " open>" in before  # the form stays open with the message
    numbers = text(client.post(url, contact_post(world.wang, summary="他的电话 139 0013 9000")))
    assert "Leave ID and phone numbers out of the contact log." in numbers
    assert "139 0013 9000" not in numbers and "[redacted]" in numbers  # never echoed back
    assert not Contact.objects.exists()


def test_a_plain_post_logs_and_returns_to_the_page_it_came_from(as_persona, world):
    pair_wang(world)
    client = as_persona("cadre")
    url = reverse("care:log_contact", args=[world.wang.pk])
    response = client.post(url, contact_post(world.wang) | {"next": MINE}, follow=True)
    assert response.redirect_chain[-1][0] == MINE and "The contact has been recorded." in text(response)
    evil = client.post(url, contact_post(world.wang, kind="visit") | {"next": "https://evil.example/"})
    assert evil.url == reverse("care:member", args=[world.wang.pk])


def test_an_unpaired_cadre_may_not_log_for_the_member(as_persona, world):
    pair_wang(world)
    cadre_account(world, "other")
    response = as_persona("other").post(reverse("care:log_contact", args=[world.wang.pk]), contact_post(world.wang))
    assert response.status_code == 403 and not Contact.objects.exists()
    page = text(as_persona("other").get(reverse("care:member", args=[world.wang.pk])))
    assert 'id="contact-form"' not in page  # the page offers no form to whom it would refuse


# The branch's pages


def test_the_branch_page_pairs_an_unpaired_member_in_one_click(as_persona, world):
    client = as_persona("industry")
    url = reverse("care:branch", args=[world.mobile_a.pk])
    page = text(client.get(url))
    unpaired = section(page, "unpaired", "ul")
    assert "王强" in unpaired and 'name="cadre"' in unpaired and "cadre (0/3)" in unpaired
    response = client.post(
        reverse("care:pair", args=[world.mobile_a.pk]),
        {"member": world.wang.pk, "cadre": world.users["cadre"].pk},
        follow=True,
    )
    assert "王强 is now paired with cadre." in text(response)
    pairing = Pairing.objects.get()
    assert (pairing.member, pairing.cadre, pairing.organization) == (world.wang, world.users["cadre"], world.mobile_a)
    page = text(response)
    assert "王强" not in section(page, "unpaired", "ul") and "王强" in section(page, "pairings", "ul")
    assert "Never contacted" in section(page, "pairings", "ul")


def test_an_over_ratio_pairing_is_refused_with_the_limit_named(as_persona, world):
    services.set_policy(world.root_user, world.mobile_a, 1)
    services.pair(world.root_user, world.mobile_a, mobile_member(world, "刘洋", 903), world.users["cadre"])
    response = as_persona("industry").post(
        reverse("care:pair", args=[world.mobile_a.pk]),
        {"member": world.wang.pk, "cadre": world.users["cadre"].pk},
        follow=True,
    )
    assert "allows at most 1 mobile members per cadre" in text(response) and Pairing.objects.count() == 1
    services.set_policy(world.root_user, world.mobile_a, 3)
    services.pair(world.root_user, world.mobile_a, world.wang, world.users["cadre"])
    services.set_policy(world.root_user, world.mobile_a, 1)
    warning = section(
        text(as_persona("industry").get(reverse("care:branch", args=[world.mobile_a.pk]))), "over-ratio", "div"
    )
    assert "cadre looks after 2 members, more than the limit of 1." in warning


def test_reassigning_and_ending_from_the_branch_page_keeps_the_history(as_persona, world):
    pair_wang(world, started_days_ago=50)
    second = cadre_account(world, "second")
    client = as_persona("industry")
    client.post(reverse("care:pair", args=[world.mobile_a.pk]), {"member": world.wang.pk, "cadre": second.pk})
    current = Pairing.objects.get(ended_on=None)
    assert current.cadre == second
    client.post(reverse("care:pairing_end", args=[current.pk]), {"reason": "member_back", "on": str(TODAY)})
    history = section(text(client.get(reverse("care:member", args=[world.wang.pk]))), "pairing-history", "ul")
    assert "Given to another cadre" in history and "The member is no longer mobile" in history
    cadre_history = text(client.get(reverse("care:cadre", args=[second.pk])))
    assert "王强" in section(cadre_history, "pairing-history", "ul")


def test_a_reader_sees_the_branch_pages_without_forms(as_persona, world):
    pair_wang(world)
    client = as_persona("cadre")  # reads mobile-a
    page = text(client.get(reverse("care:branch", args=[world.mobile_a.pk])))
    assert "王强" in section(page, "pairings", "ul") and "reassign-form" not in page and "pair-form" not in page
    assert 'id="policy-form"' not in text(client.get(reverse("care:policy", args=[world.mobile_a.pk])))
    assert client.post(reverse("care:policy", args=[world.mobile_a.pk]), {"members_per_cadre": 9}).status_code == 403
    assert client.post(reverse("care:rules", args=[world.mobile_a.pk]), {}).status_code == 403


def test_the_due_list_of_a_subtree(as_persona, world):
    pair_wang(world, started_days_ago=120)
    fine = mobile_member(world, "孙丽", 904)
    services.pair(world.root_user, world.mobile_a, fine, world.users["cadre"], days_ago(3))
    due = section(
        text(as_persona("industry").get(reverse("care:branch_due", args=[world.company_a.pk]))), "due-list", "ul"
    )
    assert "王强" in due and "Overdue by 30 days" in due and "孙丽" not in due


def test_the_policy_and_rules_pages_change_the_subtree(as_persona, world):
    client = as_persona("industry")
    policy_url = reverse("care:policy", args=[world.company_a.pk])
    assert "at most 3 mobile members" in text(client.get(policy_url))
    refused = text(client.post(policy_url, {"members_per_cadre": 0}))
    assert "is-invalid" in section(refused, "policy-form", "form") and not CarePolicy.objects.exists()
    client.post(policy_url, {"members_per_cadre": 4})
    assert "at most 4 mobile members" in text(client.get(reverse("care:policy", args=[world.mobile_a.pk])))

    rules_url = reverse("care:rules", args=[world.company_a.pk])
    client.post(rules_url, {"kind": "visit", "audience": "mobile", "interval_days": 180, "is_active": ""})
    rule = ContactRule.objects.get(organization=world.company_a)
    assert not rule.is_active
    below = section(text(client.get(reverse("care:rules", args=[world.mobile_a.pk]))), "rules", "ul")
    assert "switched off" in below and "set by A 快递公司党委" in below and "platform default" in below
    client.post(reverse("care:rule_remove", args=[world.company_a.pk, rule.pk]))
    assert not ContactRule.objects.filter(organization=world.company_a).exists()


# The member page and the panel for the registry


def test_the_member_page_shows_the_contacts_and_what_is_due(as_persona, world):
    pair_wang(world, started_days_ago=100)
    services.log_contact(world.users["cadre"], world.wang, talk(days_ago(20), "谈了跑单安全", next_step="下月回访"))
    page = text(as_persona("city").get(reverse("care:member", args=[world.wang.pk])))
    assert "谈了跑单安全" in section(page, "contacts", "ul") and "下月回访" in page
    assert "Heart-to-heart talk" in section(page, "due-items", "ul")
    assert 'id="contact-form"' not in page  # the city reads, it does not log


def test_the_member_panel_fragment_for_the_registry_page(world):
    pair_wang(world, started_days_ago=100)
    services.log_contact(world.users["cadre"], world.wang, talk(days_ago(95), "谈了近况"))
    html = render_to_string(
        "care/member_panel.html", {"care": queries.member_panel(world.users["cadre"], world.wang), "member": world.wang}
    )
    assert 'id="care-panel"' in html and "谈了近况" in html and "due-overdue" in html
    assert reverse("care:member", args=[world.wang.pk]) in html


def test_a_member_sees_no_care_pages_of_their_own(as_persona, world):
    pair_wang(world)
    client = as_persona("courier")  # 王强 himself
    assert client.get(reverse("care:member", args=[world.wang.pk])).status_code == 404
    assert "王强" not in text(client.get(MINE))


# Query counts


def test_the_list_pages_do_not_grow_with_the_members(as_persona, world, django_assert_max_num_queries):
    admin, cadre = world.root_user, world.users["cadre"]
    services.set_policy(admin, world.mobile_a, 40)
    pages = {
        "industry": [
            reverse("care:branch", args=[world.mobile_a.pk]),
            reverse("care:branch_due", args=[world.company_a.pk]),
            reverse("care:member", args=[world.wang.pk]),
        ],
        "cadre": [MINE],
    }
    sequence = iter(range(910, 990))

    def add(count: int) -> None:
        for _ in range(count):
            number = next(sequence)
            member = mobile_member(world, f"成员{number}", number)
            services.pair(admin, world.mobile_a, member, cadre, days_ago(120))
            services.log_contact(cadre, member, talk(days_ago(100)))
            number = next(sequence)
            mobile_member(world, f"未结对{number}", number)  # stays unpaired

    def counts() -> dict[str, int]:
        found = {}
        for username, urls in pages.items():
            client = as_persona(username)
            for url in urls:
                with CaptureQueriesContext(connection) as context:
                    assert client.get(url).status_code == 200
                found[url] = len(context)
        return found

    add(2)
    baseline = counts()
    add(8)
    assert counts() == baseline
    cadre_client = as_persona("cadre")
    with django_assert_max_num_queries(baseline[MINE]):
        cadre_client.get(MINE)
