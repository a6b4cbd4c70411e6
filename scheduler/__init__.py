"""The queue core: plain rules of an office, standard library only, `now` always passed in."""
