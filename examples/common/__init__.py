"""Helpers shared by the example model generators and numpy references."""
