"""Celery tasks. Thin: each takes ids, never model instances, and calls one service."""
