"""The printable ledger: A4 landscape, one branch per page group, Noto CJK embedded by WeasyPrint."""

from django.template.loader import render_to_string
from django.utils import timezone

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
    """One document, each branch starting on a new page with its own page numbers. Branches are laid
    out one at a time (WeasyPrint takes about 15 ms a row), so that progress is reported as they go."""
    from weasyprint import HTML  # imported when needed: it takes half a second to load

    columns = [column for column in MEMBER_COLUMNS if column.key in PDF_COLUMNS]
    printed_at = timezone.localtime()
    documents, written = [], 0
    for name, members in groups:
        rows = [[_shown(values[column.key]) for column in columns] for values in writing.member_rows(members, reveal)]
        html = render_to_string(
            "ledgers/ledger_pdf.html",
            {"org": org, "columns": columns, "branch": {"name": name, "rows": rows}, "printed_at": printed_at},
        )
        documents.append(HTML(string=html).render())
        written += len(rows)
        if on_row is not None:
            on_row(written)
    if not documents:
        html = render_to_string("ledgers/ledger_pdf.html", {"org": org, "columns": columns, "branch": None})
        documents.append(HTML(string=html).render())
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


def _shown(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
