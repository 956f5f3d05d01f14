"""The Slack surface: slack-bolt listeners, the outbox sender, admins."""
