"""A URLconf for convention tests: the real API plus probes for pagination and unexpected errors."""

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.urls import include, path
from rest_framework import generics, serializers
from rest_framework.views import APIView


class _EmailSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "email"]


class PagedUsers(generics.ListAPIView):
    serializer_class = _EmailSerializer

    def get_queryset(self):
        return get_user_model().objects.order_by("id")


class Boom(APIView):
    def get(self, request):
        raise RuntimeError("secret internal detail")


def plain_boom(request):
    raise RuntimeError("secret internal detail")


def html_refusal(request):
    response = HttpResponse("<h1>Forbidden</h1>", status=403)
    response["Retry-After"] = "7"
    return response


urlpatterns = [
    path("probe/paged/", PagedUsers.as_view()),
    path("probe/boom/", Boom.as_view()),
    path("probe/plain-boom/", plain_boom),
    path("api/probe/html-refusal/", html_refusal),
    path("", include("chatAPI.urls")),
]
handler500 = "chatAPI.exceptions.server_error_view"
