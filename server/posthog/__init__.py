"""The PostHog HTTP layer: one client, its errors, who a call is made for, safe JSON reading."""
