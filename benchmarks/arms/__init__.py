"""One client arm per module; run one with ``python -m benchmarks.arms ARM MODE``.

See ``__main__`` for the protocol the orchestrator speaks with an arm.
"""
