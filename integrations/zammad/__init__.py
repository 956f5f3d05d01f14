"""Zammad's formats: its webhook snapshots, its REST API, and the webhook and triggers stickybot needs."""
