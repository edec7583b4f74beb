"""Framework apps that are more than an adapter: ``healthcheck.contrib.django``."""
