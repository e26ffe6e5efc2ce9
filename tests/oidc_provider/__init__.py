"""A small OpenID Connect provider (django-oauth-toolkit) that the unified-login test starts
on 127.0.0.1 in a subprocess: a stand-in for the government platform, speaking the same
protocol, never a mock. Test-only; nothing in the app imports it."""
