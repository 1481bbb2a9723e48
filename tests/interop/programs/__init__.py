"""Small programs written against the official SDK's public API, one per verb family.

Each is plain text the differential test runs twice (``test_differential.py``):
as written (``from signalwire.relay import ...``) and with that one import line
pointing at relay_asyncio.  A program defines ``async def main() -> None``,
reads its credentials and Space from the environment (``SIGNALWIRE_PROJECT_ID``,
``SIGNALWIRE_API_TOKEN``, ``SIGNALWIRE_SPACE``, as the SDK's documentation
shows) and reports with ``print``.  Not collected by pytest (no ``test_`` prefix).
"""
