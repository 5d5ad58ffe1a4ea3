"""The player pages of learning."""

urlpatterns = []
