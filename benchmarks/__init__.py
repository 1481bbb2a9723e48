"""Benchmarks for sansio-relay: run ``python -m benchmarks`` (see ``__main__``).

Nothing here is imported by the library.  Modules:

* ``frames``      - the realistic RELAY frames every arm uses (one generator);
* ``load_server`` - a fast RELAY load server, run in its own process;
* ``arms``        - one client arm per subprocess (raw websockets, relay_asyncio,
  relay_trio, the official SDK), driven over stdin/stdout;
* ``inproc``      - the no-socket measurements: JSON decode floors, core
  events/s, core memory per live call;
* ``report``      - the table, ``RESULTS.md`` and the chart;
* ``profile_core`` - a profile of the core's event path (cProfile/pyinstrument).
"""
