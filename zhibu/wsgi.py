import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhibu.settings")
application = get_wsgi_application()

from zhibu.core.checks import require_secrets  # noqa: E402 - needs the settings configured above

require_secrets()
