"""A job's files on disk, sealed: uploads and exports hold ID and phone numbers in clear inside.

Each file is encrypted with the field key (AES-GCM, the job id as associated data) so that no
plaintext copy of personal data rests on disk; it is opened only in memory. Progress is a small
JSON file written atomically, readable while the job's database transaction is still open.
"""

import json
import os
import shutil
import time
from pathlib import Path

from django.conf import settings

from zhibu.core import crypto

UPLOAD = "upload"
ERRORS = "errors.xlsx"
PROGRESS = "progress.json"


def job_dir(job_id) -> Path:
    return Path(settings.LEDGER_FILES_DIR) / str(job_id)


def seal(job_id, name: str, data: bytes) -> None:
    directory = job_dir(job_id)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write_atomically(directory / name, crypto.seal_bytes(data, f"ledger-file:{job_id}:{name}".encode()))


def unseal(job_id, name: str) -> bytes:
    return crypto.open_bytes((job_dir(job_id) / name).read_bytes(), f"ledger-file:{job_id}:{name}".encode())


def exists(job_id, name: str) -> bool:
    return (job_dir(job_id) / name).exists()


def remove(job_id, name: str) -> None:
    (job_dir(job_id) / name).unlink(missing_ok=True)


def remove_all(job_id) -> None:
    shutil.rmtree(job_dir(job_id), ignore_errors=True)


def write_progress(job_id, phase: str, done: int, total: int) -> None:
    directory = job_dir(job_id)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    payload = {"phase": phase, "done": done, "total": total, "at": time.time()}
    _write_atomically(directory / PROGRESS, json.dumps(payload).encode())


def read_progress(job_id) -> dict:
    try:
        return json.loads((job_dir(job_id) / PROGRESS).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def expired_job_dirs(max_age_seconds: int) -> list[Path]:
    root = Path(settings.LEDGER_FILES_DIR)
    if not root.exists():
        return []
    cutoff = time.time() - max_age_seconds
    return [path for path in root.iterdir() if path.is_dir() and path.stat().st_mtime < cutoff]
