"""The bottom-lines rollup as an Excel workbook: one row per organisation of the subtree, in tree
order and indented by depth, each with the figures of its own subtree. Counts only, no names."""

import io

import xlsxwriter
from django.utils.translation import gettext as _

from zhibu.care.bottomlines.queries import ALL_THREE, LINES, Period, Row, label


def workbook(rows: list[Row], period: Period) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    header = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True})
    percent = book.add_format({"num_format": "0.0%"})
    sheet = book.add_worksheet(_("Bottom lines %(period)s") % {"period": period})
    columns = [_("Organisation"), _("Organisation code"), _("Mobile members")]
    for line in (*LINES, ALL_THREE):
        columns += [label(line), _("%(line)s (share)") % {"line": label(line)}]
    for index, title in enumerate(columns):
        sheet.write(0, index, title, header)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, len(columns) - 1, 12)
    sheet.freeze_panes(1, 1)
    top_depth = rows[0].organization.depth if rows else 0
    for number, row in enumerate(rows, start=1):
        counts, org = row.counts, row.organization
        sheet.write_string(number, 0, "\u3000" * (org.depth - top_depth) + org.name)
        sheet.write_string(number, 1, org.code)
        sheet.write_number(number, 2, counts.total)
        for offset, line in enumerate((*LINES, ALL_THREE)):
            column = 3 + 2 * offset
            sheet.write_number(number, column, counts.met[line])
            share = counts.percent(line)
            if share is not None:
                sheet.write_number(number, column + 1, share / 100, percent)
    book.close()
    return buffer.getvalue()
