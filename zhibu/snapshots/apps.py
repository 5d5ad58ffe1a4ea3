from django.apps import AppConfig


class SnapshotsConfig(AppConfig):
    name = "zhibu.snapshots"
    label = "snapshots"
