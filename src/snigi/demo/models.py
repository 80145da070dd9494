from __future__ import annotations

from django.db import models


class DemoDataset(models.Model):
    """What `snigi demo` has loaded: makes a second run reuse the data instead of duplicating it."""

    seed = models.IntegerField(unique=True)
    people_loaded = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["seed"]

    def __str__(self) -> str:
        return f"seed {self.seed}: {self.people_loaded} people"
