"""zhigai create_api_token USERNAME --name NAME [--days 90]: create an API token and print its key
once (only its SHA-256 is stored)."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import User
from accounts.tokens import TOKEN_MAX_DAYS, api_token_create
from audit.context import Actor, acting_as


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


class Command(BaseCommand):
    help = "Create an API token for a user and print its key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument(
            "--days", type=int, default=90, help=f"validity in days, 1 to {TOKEN_MAX_DAYS}"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"用户不存在 (No such user): {options['username']}")
        actor = Actor(username=f"cli:{_os_user()}"[:150], role="system")
        try:
            with acting_as(actor):
                token, key = api_token_create(user=user, name=options["name"], days=options["days"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stderr.write(
            f"Token {token.name!r} for {user.get_username()} expires "
            f"{timezone.localtime(token.expires_at):%Y-%m-%d %H:%M %Z}. The key is shown only now:"
        )
        self.stdout.write(key)
