"""Inserting many rows at once: bulk imports and monthly ledger freezes.

`QuerySet.bulk_create` spends most of its time compiling SQL value by value; at a hundred thousand
members that is several times the cost of the insert itself. `insert_rows` prepares each column's
conversion once and sends the rows in batches: on PostgreSQL with COPY, which the server takes
without parsing and planning an INSERT per row; elsewhere one `executemany` per batch. It skips
model `save()` and signals, as bulk_create does, so callers audit the rows themselves.
"""

import json
from collections.abc import Callable, Iterable

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import QuerySet
from django.utils import timezone

BATCH = 2000


def _converter(field: models.Field, database) -> Callable | None:
    """How a value of `field` goes to the database; None where it goes as it is."""
    plain = (
        models.CharField,
        models.TextField,
        models.BooleanField,
        models.IntegerField,
        models.ForeignKey,
        models.GenericIPAddressField,
    )
    if isinstance(field, plain) and not isinstance(field, models.AutoField):
        return None
    if isinstance(field, models.DateTimeField):
        return _same_as_last(database.ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        return database.ops.adapt_datefield_value
    if isinstance(field, models.JSONField):  # as text, which both databases parse: no wrapper object a row
        return lambda value: None if value is None else json.dumps(value, cls=field.encoder)
    return lambda value: field.get_db_prep_save(value, database)


def _same_as_last(convert: Callable) -> Callable:
    """Bulk rows share their timestamps: convert each distinct one once."""
    last = [object(), None]

    def converted(value):
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


def insert_rows(model: type[models.Model], rows: Iterable[dict]) -> int:
    """INSERT rows given as {attname: value} for every concrete field but the automatic primary key;
    auto_now and auto_now_add fields left out are set to now."""
    fields = [field for field in model._meta.concrete_fields if not isinstance(field, models.AutoField)]
    database = connections[DEFAULT_DB_ALIAS]
    attnames = [field.attname for field in fields]
    conversions = [(i, convert) for i, field in enumerate(fields) if (convert := _converter(field, database))]
    columns = ", ".join(database.ops.quote_name(field.column) for field in fields)
    write = _writer(database, database.ops.quote_name(model._meta.db_table), columns, len(fields))
    now = timezone.now()
    automatic = [f.attname for f in fields if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)]
    count = 0
    batch = []
    with database.cursor() as cursor:
        for values in rows:
            for name in automatic:
                values.setdefault(name, now)
            row = [values[name] for name in attnames]
            for i, convert in conversions:
                row[i] = convert(row[i])
            batch.append(row)
            if len(batch) >= BATCH:
                write(cursor, batch)
                count += len(batch)
                batch = []
        if batch:
            write(cursor, batch)
            count += len(batch)
    return count


def _writer(database, table: str, columns: str, width: int) -> Callable:
    """How a batch of rows goes into `table`: `write(cursor, rows)`."""
    if database.vendor == "postgresql":
        statement = f"COPY {table} ({columns}) FROM STDIN"

        def copy_rows(cursor, rows: list[list]) -> None:
            with cursor.cursor.copy(statement) as copy:  # the driver's cursor under Django's wrapper
                for row in rows:
                    copy.write_row(row)

        return copy_rows
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * width)})"  # noqa: S608 (names from the model)

    def insert_rows(cursor, rows: list[list]) -> None:
        cursor.executemany(sql, rows)

    return insert_rows


def insert_from_query(model: type[models.Model], columns: tuple[str, ...], values: QuerySet) -> int:
    """INSERT INTO `model` (`columns`) the rows of a values_list query, in the database; returns the
    number of rows. The SELECT lists its columns in the order asked for (Django 5.2)."""
    connection = connections[values.db]
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(column).column) for column in columns)
    select, params = values.query.get_compiler(connection=connection).as_sql()
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) {select}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
