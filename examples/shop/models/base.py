from django.db import models


class TimeStamped(models.Model):
    """Abstract base: every concrete subclass gets these two auto-filled columns."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
