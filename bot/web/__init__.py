"""The project's web server: the demo shop page with the chat widget, and the agent console."""
