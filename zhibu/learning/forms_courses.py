"""Forms of the course pages: shapes only; the services check the records (titles, uploads by
their bytes and size, links) and write them."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from zhibu.core.forms import BootstrapFormMixin
from zhibu.core.scope import Capability
from zhibu.learning import queries
from zhibu.learning.models import Chapter, Course, Lesson, LessonKind
from zhibu.learning.services import CourseInput, LessonInput
from zhibu.registry import queries as registry_queries
from zhibu.registry.forms_members import OrganizationChoiceField
from zhibu.registry.models import Organization

LIBRARY = _("(platform-wide library)")


class TagCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes in a wrapping row: Bootstrap's class on each box, not on the box around them."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"] = {**context["widget"]["attrs"], "class": "d-flex flex-wrap column-gap-3 row-gap-1"}
        return context


class CourseForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-6"
    organization = OrganizationChoiceField(label=_("Organisation"), queryset=Organization.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"), queryset=queries.tags(), required=False, widget=TagCheckboxes
    )

    def __init__(self, actor, *args, course: Course | None = None, **kwargs):
        if course is not None:
            kwargs["initial"] = {
                "organization": course.organization,
                "title": course.title,
                "summary": course.summary,
                "tags": list(course.tags.all()),
            }
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.offer(registry_queries.organizations(actor, Capability.EDIT), actor, Capability.EDIT)
        field.help_text = _("The course is published to this organisation and every organisation below it.")
        if actor.scope.is_platform:
            # Only platform administrators keep the library: no organisation, open to everyone.
            field.required = False
            field.empty_label = LIBRARY
        self.fields["tags"].widget.attrs["class"] = "form-check-input"

    def course_input(self) -> CourseInput:
        data = self.cleaned_data
        return CourseInput(
            organization=data["organization"], title=data["title"], summary=data["summary"], tags=list(data["tags"])
        )


class ChapterForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Chapter title"), max_length=200)


def media_help() -> str:
    return _("Audio: MP3 or M4A. Video: MP4 or WebM. At most %(mb)s MB. The file is checked by its content.") % {
        "mb": settings.ZHIBU_LEARNING_MAX_MEDIA_MB
    }


class LessonForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12"
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=LessonKind.choices, initial=LessonKind.TEXT)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_(
            "Paragraphs, headings, lists, bold and links are kept; scripts, styles and event handlers are removed "
            "when the lesson is saved."
        ),
    )
    upload = forms.FileField(
        label=_("Media file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".mp3,.m4a,.mp4,.webm,audio/*,video/*"}),
    )
    video_url = forms.CharField(
        label=_("Video link"),
        required=False,
        max_length=200,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("For a video lesson, instead of a file: a link that starts with https:// or http://."),
    )
    chapter = forms.ModelChoiceField(label=_("Chapter"), queryset=Chapter.objects.none(), required=False)

    def __init__(self, *args, course: Course, lesson: Lesson | None = None, **kwargs):
        if lesson is not None:
            kwargs["initial"] = {
                "title": lesson.title,
                "kind": lesson.kind,
                "body": lesson.body,
                "video_url": lesson.video_url,
                "chapter": lesson.chapter_id,
            }
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = media_help()
        if lesson is not None and lesson.media:
            self.fields["upload"].help_text += " " + _("Leave it empty to keep the current file.")
        if lesson is None:
            del self.fields["chapter"]
        else:
            self.fields["chapter"].queryset = course.chapters.order_by("position", "id")
            self.fields["chapter"].empty_label = None
            self.fields["chapter"].help_text = _("Choose another chapter to move the lesson there.")

    def lesson_input(self) -> LessonInput:
        data = self.cleaned_data
        return LessonInput(
            title=data["title"],
            kind=data["kind"],
            body=data["body"],
            video_url=data["video_url"],
            upload=data["upload"] or None,
            chapter=data.get("chapter"),
        )


class AttachmentForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("PDF attachment"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )


class CatalogueFilter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    tag = forms.IntegerField(required=False, min_value=1)
