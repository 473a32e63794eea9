from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views import View

from accounts.models import Profile

User = get_user_model()  # accounts.User (AUTH_USER_MODEL)


# IL101: two sign-ups with the same name both pass the check -> UNIQUE constraint failed:
# accounts_user.username (a 500 for the slower one).
def signup(request: HttpRequest) -> JsonResponse:
    username = request.POST["username"]
    if User.objects.filter(username=username).exists():
        return JsonResponse({"error": "username taken"}, status=400)
    user = User.objects.create_user(  # expect: IL101
        username=username, email=request.POST["email"], password=request.POST["password"]
    )
    return JsonResponse({"id": user.pk}, status=201)


# Safe twin: insert first, translate the constraint violation (username or email) into a 409.
def signup_safe(request: HttpRequest) -> JsonResponse:
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=request.POST["username"],
                email=request.POST["email"],
                password=request.POST["password"],
            )
    except IntegrityError:
        return JsonResponse({"error": "username or email taken"}, status=409)
    return JsonResponse({"id": user.pk}, status=201)


class ProfileView(LoginRequiredMixin, View):
    # No finding: Profile.user is a OneToOneField, so the lookup is covered by a unique index.
    def post(self, request: HttpRequest) -> JsonResponse:
        profile, _created = Profile.objects.update_or_create(
            user=request.user, defaults={"display_name": request.POST["display_name"]}
        )
        return JsonResponse({"id": profile.pk})
