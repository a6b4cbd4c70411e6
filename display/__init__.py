"""The waiting-room display in a terminal: the latest call very large, the calls before it, the waits."""
