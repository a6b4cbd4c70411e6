"""What the three terminal apps (kiosk, counter, display) share: the base app (the clock, the network workers
taken down before the client), block letters, and how times and waits are written."""
