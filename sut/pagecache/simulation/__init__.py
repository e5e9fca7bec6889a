"""A simulator of the page cache's histories: the real pagecache code, a real memcached, and a
scheduler that decides the order of every memcached operation (docs/purges.md, "Searched").

- scheduler.py: actors (readers, the purger) as greenlets, and every memcached command they send
  held until the scheduler applies it, loses its answer, refuses it or lets it land late.
- model.py: what a reader may be served, kept from the editors' actions alone.
- machine.py: the Hypothesis state machine whose rules are the scheduler's decisions, and the
  oracle it checks when a history quiesces.
"""
