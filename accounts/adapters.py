"""allauth adapter for the email-only user with a nickname."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Store the nickname from the sign-up form and never send confirmation mail."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        data = getattr(form, "cleaned_data", {})
        user.nickname = data.get("nickname", "") or ""
        if commit:
            user.save()
        return user
