"""Single sign-on: OpenID Connect sign-in through the identity providers the settings name."""
