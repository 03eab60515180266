"""The green channel: alert rules as data, their evaluation after each data change, who answers within the
response time, and the messages sent to the team's chat groups and mailboxes.

Pipelines (layer 2): ``rules`` (data/alerts.toml), ``store`` (alerts, requests, actions, episodes),
``channels`` (each platform's message and its sending), ``outbox`` (retries, dead letters). Views (layer 4):
``evaluate_report`` (the shipped conditions on the registry's metrics and lists), ``inbox_report``.
"""
