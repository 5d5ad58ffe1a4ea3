from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zhibu.accounts"
    label = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from zhibu.accounts import services

        user_logged_in.connect(lambda sender, request, user, **kw: services.record_login(user, request), weak=False)
        user_logged_out.connect(
            lambda sender, request, user, **kw: user and services.record_logout(user, request), weak=False
        )
