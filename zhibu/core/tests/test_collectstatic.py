"""The deployment step `manage.py collectstatic` under production settings: the manifest storage
refuses a file that names a missing one (a source map), so every asset must come with what it names."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_collectstatic_builds_the_manifest_with_production_settings(tmp_path):
    env = os.environ | {
        "ZHIBU_DATA_DIR": str(tmp_path),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "ZHIBU_BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "ZHIBU_FIELD_KEYS": "k1:" + secrets.token_urlsafe(32),
    }
    env.pop("ZHIBU_TESTING", None)
    done = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "collectstatic", "--noinput", "-v0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    for asset in ("vendor/bootstrap.min.css", "vendor/leaflet/leaflet.js", "learning/player.js"):
        assert asset in manifest
        assert (tmp_path / "static" / (manifest[asset] + ".gz")).exists()  # compressed for WhiteNoise
