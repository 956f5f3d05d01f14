"""The helpdesk seam: what Chatwoot, Zammad and the next helpdesk share, written once.

- `inbound`: a delivery's sightings (what happened to which conversation, with stickybot's ids) turned into
  inbound events and handled, with the echo and replay rules every helpdesk needs.
- `writeback`: the outbox sender that applies decisions in a helpdesk through its `Desk`, learns its users,
  pauses on a refused token and routes again when the helpdesk refuses an owner.
- `people`: the directory from a helpdesk's roster (agents by e-mail, teams, members), and its ids remembered.

Each helpdesk adds only its own formats: parsing its deliveries (integrations/<helpdesk>), its ids and
sightings (bot/service/<helpdesk>.py), and a `Desk` that speaks its REST API (bot/service/<helpdesk>_writeback.py).
"""
