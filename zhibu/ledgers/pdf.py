"""The printable ledger: A4 landscape, one branch per page group, Noto CJK embedded by WeasyPrint."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from zhibu.ledgers import writing
from zhibu.ledgers.columns import MEMBER_COLUMNS

# Columns that fit a landscape page; the spreadsheet keeps the rest.
PDF_COLUMNS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "phone",
    "education",
    "party_status",
    "standing",
    "joined_on",
    "full_member_on",
    "occupation",
    "is_mobile",
)


def ledger_pdf(org, groups, reveal: bool, on_row=None) -> bytes:
    from weasyprint import HTML  # imported when needed: it takes half a second to load

    columns = [column for column in MEMBER_COLUMNS if column.key in PDF_COLUMNS]
    branches, written = [], 0
    for name, members in groups:
        rows = []
        for member in members:
            values = writing.member_values(member, reveal)
            rows.append([_shown(values[column.key]) for column in columns])
            written += 1
            if on_row is not None:
                on_row(written)
        branches.append({"name": name, "rows": rows})
    html = render_to_string(
        "ledgers/ledger_pdf.html",
        {"org": org, "columns": columns, "branches": branches, "printed_at": timezone.localtime()},
    )
    return HTML(string=html).write_pdf()


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
