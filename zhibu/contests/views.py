"""Contest pages. Organisers: question banks with their import, contests, their results per
organisation and (when turned on) the ranking. Members: their contests, taking one on a phone with
a countdown (the server's deadline decides), and their result with the right answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhibu.contests import importing, queries, services
from zhibu.contests.forms import BankForm, ContestForm, ImportForm
from zhibu.contests.models import LETTERS, Attempt, Contest, QuestionKind
from zhibu.core.downloads import attachment
from zhibu.core.forms import add_service_errors
from zhibu.core.scope import Capability
from zhibu.registry import queries as registry_queries
from zhibu.registry.models import Organization

PAGE_SIZE = 20
QUESTION_PAGE_SIZE = 50
PARTS_SHOWN = 30


def _require_view(actor) -> None:
    if not actor.scope.can(Capability.VIEW):
        raise PermissionDenied


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


# Banks


@login_required
def banks(request):
    actor = request.user
    _require_view(actor)
    found = queries.banks(actor).order_by("organization__path", "-created_at", "-pk")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = queries.question_counts([bank.pk for bank in page])
    context = {
        "page": page,
        "rows": [(bank, counts[bank.pk]) for bank in page],
        "can_create": actor.scope.can(Capability.EDIT),
    }
    return render(request, "contests/banks.html", context)


@login_required
def bank_create(request):
    actor = request.user
    if not actor.scope.can(Capability.EDIT):
        raise PermissionDenied
    form = BankForm(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bank = services.create_bank(actor, form.bank_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The bank has been created. Import its questions from a spreadsheet."))
            return redirect("contests:bank_detail", bank.pk)
    return render(request, "contests/bank_edit.html", {"form": form})


@login_required
def bank_template(request):
    _require_view(request.user)
    return attachment(f"{_('question bank template')}.xlsx", importing.template())


def _bank_page(request, bank, import_form=None, bad_rows=None, status=200):
    questions = bank.questions.prefetch_related("tags").order_by("position", "pk")
    page = Paginator(questions, QUESTION_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "bank": bank,
        "page": page,
        "can_edit": services.can_edit(request.user, bank.organization),
        "import_form": import_form or ImportForm(),
        "bad_rows": bad_rows,
        "kinds": QuestionKind,
    }
    return render(request, "contests/bank_detail.html", context, status=status)


@login_required
def bank_detail(request, pk: int):
    return _bank_page(request, get_object_or_404(queries.banks(request.user), pk=pk))


@login_required
@require_POST
def bank_import(request, pk: int):
    actor = request.user
    bank = get_object_or_404(queries.banks(actor), pk=pk)
    if not services.can_edit(actor, bank.organization):
        raise PermissionDenied
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _bank_page(request, bank, import_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        count = services.import_questions(actor, bank, upload.read(), upload.name)
    except services.BadRows as error:
        form.add_error(None, _errors(error))
        return _bank_page(request, bank, import_form=form, bad_rows=error.rows, status=400)
    except ValidationError as error:
        form.add_error("file", _errors(error))
        return _bank_page(request, bank, import_form=form, status=400)
    messages.success(request, _("%(count)s questions imported.") % {"count": count})
    return redirect("contests:bank_detail", bank.pk)


# Contests, the organisers' side


@login_required
def index(request):
    actor = request.user
    _require_view(actor)
    now = timezone.now()
    page = Paginator(queries.contests(actor).order_by("-opens_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    taken = queries.participants([contest.pk for contest in page])
    context = {
        "page": page,
        "rows": [(contest, contest.phase(now), taken[contest.pk]) for contest in page],
        "can_create": actor.scope.can(Capability.EDIT),
    }
    return render(request, "contests/index.html", context)


@login_required
def create(request):
    actor = request.user
    if not actor.scope.can(Capability.EDIT):
        raise PermissionDenied
    form = ContestForm(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contest = services.create_contest(actor, form.contest_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contest has been saved. Its members can take it once it opens."))
            return redirect("contests:detail", contest.pk)
    return render(request, "contests/edit.html", {"form": form})


def _contest(actor, pk: int) -> Contest:
    """404 when the actor cannot see the contest."""
    return get_object_or_404(queries.contests(actor), pk=pk)


def _runnable(actor, pk: int) -> Contest:
    contest = _contest(actor, pk)
    if not services.can_run(actor, contest):
        raise PermissionDenied
    return contest


def rollup_parent(actor, contest: Contest) -> Organization:
    found = queries.rollup_parent(actor, contest)
    if found is None:
        raise Http404
    return found


@login_required
def detail(request, pk: int):
    actor = request.user
    contest = _contest(actor, pk)
    parent = rollup_parent(actor, contest)
    found = queries.results(contest, parent, [], with_parts=False)
    context = {
        "contest": contest,
        "phase": contest.phase(timezone.now()),
        "banks": list(contest.banks.select_related("organization")),
        "can_run": services.can_run(actor, contest),
        "parent": parent,
        "figures": found.figures,
        "started": contest.attempts.exists(),
    }
    return render(request, "contests/detail.html", context)


@login_required
def edit(request, pk: int):
    actor = request.user
    contest = _runnable(actor, pk)
    form = ContestForm(actor, request.POST or None, contest=contest)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contest(actor, contest, form.contest_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contest has been saved."))
            return redirect("contests:detail", contest.pk)
    context = {"form": form, "contest": contest, "started": contest.attempts.exists()}
    return render(request, "contests/edit.html", context)


@login_required
@require_POST
def set_ranking(request, pk: int):
    actor = request.user
    contest = _runnable(actor, pk)
    show = request.POST.get("show") == "1"
    services.set_ranking(actor, contest, show)
    messages.success(request, _("The ranking is shown.") if show else _("The ranking is hidden."))
    return redirect("contests:detail", contest.pk)


@login_required
def results(request, pk: int):
    actor = request.user
    contest = _contest(actor, pk)
    parent = rollup_parent(actor, contest)
    organization = parent
    chosen = request.GET.get("org")
    if chosen:
        if not chosen.isdigit():
            raise Http404
        organization = get_object_or_404(
            registry_queries.organizations(actor).filter(path__startswith=contest.organization.path), pk=chosen
        )
    children = list(registry_queries.children(actor, organization))
    found = queries.results(contest, organization, children)
    parts = found.parts[:PARTS_SHOWN]
    context = {
        "contest": contest,
        "organization": organization,
        "parent": parent if organization != parent else None,
        "results": found,
        "parts": parts,
        "parts_hidden": len(found.parts) - len(parts),
        "distribution": {
            "categories": [label for label, _count in found.bands],
            "series": [{"name": _("Members"), "data": [count for _label, count in found.bands]}],
        },
        "by_part": {
            "categories": [part.organization.name for part in parts],
            "series": [
                {"name": _("Participation"), "data": [part.figures.participation or 0 for part in parts]},
                {"name": _("Average score"), "data": [round(part.figures.average_percent or 0) for part in parts]},
            ],
            "max": 100,
            "unit": "%",
            "links": [f"{reverse('contests:results', args=[contest.pk])}?org={part.organization.pk}" for part in parts],
        },
        "ranking": queries.ranking(contest, organization),
    }
    return render(request, "contests/results.html", context)


# The members' side


@login_required
def mine(request):
    member = services.own_member(request.user)
    context = {"has_member": member is not None, "now": timezone.now(), **queries.my_contests(member, timezone.now())}
    return render(request, "contests/mine.html", context)


def _member_contest(request, pk: int) -> tuple[Contest, object]:
    member = services.own_member(request.user)
    return get_object_or_404(queries.member_contests(member), pk=pk), member


@login_required
def take(request, pk: int):
    contest, member = _member_contest(request, pk)
    now = timezone.now()
    attempts = list(queries.own_attempts(member).filter(contest=contest).order_by("number"))
    best = next((attempt for attempt in attempts if attempt.is_best), None)
    in_progress = next((attempt for attempt in attempts if attempt.accepts_answers(now)), None)
    context = {
        "contest": contest,
        "phase": contest.phase(now),
        "attempts": attempts,
        "expired": {
            attempt.pk for attempt in attempts if not attempt.is_submitted and not attempt.accepts_answers(now)
        },
        "best": best,
        "in_progress": in_progress,
        "attempts_left": max(0, contest.max_attempts - len(attempts)),
        "eligible": services.is_eligible(member, contest),
        "ranking": queries.ranking(contest, size=10),
        "my_rank": queries.rank_of(best) if best else None,
    }
    return render(request, "contests/take.html", context)


@login_required
@require_POST
def start(request, pk: int):
    contest, _member = _member_contest(request, pk)
    try:
        attempt = services.start_attempt(request.user, contest)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _errors(error) if isinstance(error, ValidationError) else str(error))
        return redirect("contests:take", contest.pk)
    return redirect("contests:attempt", attempt.pk)


def _own_attempt(request, pk: int) -> Attempt:
    member_id = request.user.member_id
    if member_id is None:
        raise Http404
    return get_object_or_404(
        Attempt.objects.select_related("contest__organization", "organization"), pk=pk, member_id=member_id
    )


@login_required
def attempt(request, pk: int):
    actor = request.user
    found = _own_attempt(request, pk)
    now = timezone.now()
    # An attempt whose time ran out is closed (scored with its saved answers) when its member
    # comes back to it, rather than waiting for the periodic job.
    if not found.is_submitted and not found.accepts_answers(now) and services.close_expired(actor, found):
        messages.warning(request, services.late_message(found))
    answers = queries.attempt_questions(found)
    context = {
        "attempt": found,
        "contest": found.contest,
        "answers": answers,
        "letters": LETTERS,
        "kinds": QuestionKind,
    }
    if found.is_submitted:
        context["rank"] = queries.rank_of(found)
        return render(request, "contests/result.html", context)
    remaining = max(0, int((found.deadline - now).total_seconds()))
    context["remaining"], context["remaining_text"] = remaining, f"{remaining // 60}:{remaining % 60:02d}"
    context["answered"] = sum(bool(answer.chosen) for answer in answers)
    return render(request, "contests/attempt.html", context)


def _choice(request, question_id: int) -> list[str]:
    return request.POST.getlist(f"q-{question_id}")


@login_required
@require_POST
def save_answer(request, pk: int):
    """One choice saved as it is made (htmx): a small status, or the reason it was refused."""
    found = _own_attempt(request, pk)
    question = request.POST.get("question", "")
    if not question.isdigit():
        raise Http404
    try:
        services.save_answer(request.user, found, int(question), _choice(request, int(question)))
    except ValidationError as error:
        return render(request, "contests/_saved.html", {"error": _errors(error)}, status=400)
    if not request.headers.get("HX-Request"):
        return redirect("contests:attempt", found.pk)
    return render(request, "contests/_saved.html", {"saved": True})


@login_required
@require_POST
def submit(request, pk: int):
    actor = request.user
    found = _own_attempt(request, pk)
    question_ids = found.answers.values_list("question_id", flat=True)
    given = {pk: _choice(request, pk) for pk in question_ids if f"q-{pk}" in request.POST}
    try:
        services.submit(actor, found, given)
    except ValidationError as error:
        found.refresh_from_db()
        if not found.is_submitted and services.close_expired(actor, found):
            messages.error(request, _errors(error))
        else:
            messages.info(request, _errors(error))
        return redirect("contests:attempt", found.pk)
    messages.success(request, _("Your answers have been handed in."))
    return redirect("contests:attempt", found.pk)
