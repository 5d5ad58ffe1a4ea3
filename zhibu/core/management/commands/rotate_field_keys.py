"""Re-encrypt every sealed field under the newest key of ZHIBU_FIELD_KEYS.

Put the new key first in ZHIBU_FIELD_KEYS (keep the old ones after it), run this command, then
remove the old keys. Rows are rewritten in batches, each batch in its own transaction.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from zhibu.core import audit, crypto

BATCH = 2000


def sealed_models():
    return [model for model in apps.get_models() if getattr(model, "sealed_fields", None)]


def rotate_model(model) -> int:
    primary, _keys = crypto.keyring()
    columns = [f"{name}_sealed" for name in model.sealed_fields]
    rewritten = 0
    last_pk = 0
    while True:
        rows = list(model.objects.filter(pk__gt=last_pk).order_by("pk").values_list("pk", *columns)[:BATCH])
        if not rows:
            return rewritten
        last_pk = rows[-1][0]
        with transaction.atomic():
            for pk, *tokens in rows:
                changes = {}
                for name, column, token in zip(model.sealed_fields, columns, tokens, strict=True):
                    if token and crypto.key_id_of(token) != primary:
                        context = f"{model._meta.model_name}.{name}".encode()
                        changes[column] = crypto.encrypt(crypto.decrypt(token, context), context)
                if changes:
                    # Only if unchanged since it was read: an edit made meanwhile is already under the new key.
                    unchanged = dict(zip(columns, tokens, strict=True))
                    rewritten += model.objects.filter(pk=pk, **unchanged).update(**changes)


class Command(BaseCommand):
    help = "Re-encrypt ID and phone numbers under the newest field key."

    def handle(self, *args, **options):
        total = 0
        for model in sealed_models():
            count = rotate_model(model)
            total += count
            self.stdout.write(f"{model._meta.label}: {count} row(s) re-encrypted")
        audit.record(None, audit.Action.KEY_ROTATION, actor_name="manage.py", changes={"rows": total})
        self.stdout.write(self.style.SUCCESS(f"done: {total} row(s) re-encrypted"))
