"""Operator control: the kill switch, its commands, the admin API and its client."""
