"""The outside world's formats and clients: chat channels in, Slack and helpdesks out."""
