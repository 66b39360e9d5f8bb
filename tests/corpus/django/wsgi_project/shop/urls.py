from django.db import connection
from django.http import JsonResponse
from django.urls import path


def order_count(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM orders WHERE customer = %s", [request.GET.get("customer", "")])
        return JsonResponse({"orders": cursor.fetchone()[0]})


urlpatterns = [path("orders/count", order_count)]
