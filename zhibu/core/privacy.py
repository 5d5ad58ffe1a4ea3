"""Keep ID and phone numbers out of logs and error pages."""

import logging
import re
import unicodedata

from django.views.debug import SafeExceptionReporterFilter

# An ID number or a mobile number in free text, also when typed with spaces or dashes between groups.
_GAP = r"[\s-]?"
PERSONAL_NUMBER_RE = re.compile(
    rf"(?<![\dA-Za-z])(\d{{6}}{_GAP}\d{{4}}{_GAP}\d{{4}}{_GAP}\d{{3}}[\dXx]|1[3-9]\d{_GAP}\d{{4}}{_GAP}\d{{4}})(?![\dA-Za-z])"
)
SENSITIVE_NAME_RE = re.compile(r"API|TOKEN|KEY|SECRET|PASS|SIGNATURE|ID_NUMBER|PHONE|CIPHER|SEALED", re.I)


def redact(text: str) -> str:
    """Full-width digits (typed with a Chinese input method) are folded first, so they are caught too."""
    return PERSONAL_NUMBER_RE.sub("[redacted]", unicodedata.normalize("NFKC", text))


def has_personal_number(text: str) -> bool:
    """Whether free text holds an ID or phone number, full-width digits included."""
    return bool(PERSONAL_NUMBER_RE.search(unicodedata.normalize("NFKC", text or "")))


class PersonalDataLogFilter(logging.Filter):
    """Rewrites every record so that no ID or phone number reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class PersonalDataExceptionFilter(SafeExceptionReporterFilter):
    hidden_settings = SENSITIVE_NAME_RE

    def get_post_parameters(self, request):
        params = super().get_post_parameters(request)
        if request is None:
            return params
        cleaned = params.copy()
        for name in cleaned:
            if SENSITIVE_NAME_RE.search(name):
                cleaned[name] = self.cleansed_substitute
        return cleaned

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, redact(str(value))) for name, value in super().get_traceback_frame_variables(request, tb_frame)]
