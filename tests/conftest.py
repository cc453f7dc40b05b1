"""Shared pytest configuration: nothing here may touch the network."""
