"""Industry-chain credit communities (产业链信用共同体): a chain leader, its members, a community line and its rules."""
