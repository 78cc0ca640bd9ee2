"""Outreach (F18): grid workers, their visits and referrals, coverage by community and town/street, the pilot plan."""
