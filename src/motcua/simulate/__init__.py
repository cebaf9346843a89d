"""The workload simulator (``motcua simulate``) and its building blocks.

* :mod:`.profile`  — the shape of Hà Nội's workload, sized from the published figures
  (channel shares, on-time rate, volumes) and the rates of the rarer events;
* :mod:`.world`    — the reference data read once (procedures, agencies, service points,
  office hours) and the simulated people: officers, applicants, their data stores, agents;
* :mod:`.builder`  — the bulk path: one method per lifecycle service that produces, in memory,
  the rows that service would write (same deadline engine, same code format, same states);
* :mod:`.scenario` — what happens to each dossier and when (seeded, deterministic);
* :mod:`.drive`    — the same scenario played through the real services (tests, small runs);
* :mod:`.writer`   — batched inserts (SQLite ``executemany``, PostgreSQL ``COPY``);
* :mod:`.run`      — the run: applicants, chunks of dossiers, counters, summary; ``clear``;
* :mod:`.cli`      — ``motcua simulate``.

Simulated rows are marked so that ``motcua simulate --clear`` removes exactly them: dossier
references start with ``S`` (the services write ``N``), simulated accounts' user names start
with ``sim-``, simulated profiles have an e-mail address at ``sim.motcua.invalid``.
See docs/simulator.md.
"""
