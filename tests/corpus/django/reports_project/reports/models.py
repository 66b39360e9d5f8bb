from django.db import models


class Order(models.Model):
    customer = models.TextField()
    total = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "orders"


class Event(models.Model):
    kind = models.TextField()
    customer = models.TextField(null=True)
    at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "events"
