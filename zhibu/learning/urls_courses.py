"""The courses pages of learning."""

urlpatterns = []
