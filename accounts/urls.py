from django.urls import path

from accounts import views

urlpatterns = [
    path("registration/", views.RegisterView.as_view(), name="rest_register"),
    path("login/", views.LoginView.as_view(), name="rest_login"),
    path("logout/", views.LogoutView.as_view(), name="rest_logout"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="token_refresh"),
    path("token/verify/", views.TokenVerifyView.as_view(), name="token_verify"),
    path("user/", views.UserDetailsView.as_view(), name="rest_user_details"),
    path("password/change/", views.PasswordChangeView.as_view(), name="rest_password_change"),
]
