"""The plans pages of learning."""

urlpatterns = []
