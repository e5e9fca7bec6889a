"""The login form, with the labels readers see."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="Login", max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput)

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Your login or password is wrong. Please try again.",
    }
