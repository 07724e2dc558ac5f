"""The Microsoft Teams adapter: the Microsoft 365 Agents SDK on aiohttp, routing to the shared advisor core."""
