// Shared test support: fixtures and the loopback HTTP server.
