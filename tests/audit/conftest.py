"""Fixtures: a throwaway PostgreSQL schema per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests.audit.helpers import PG_DSN


@pytest.fixture
async def pg_schema() -> AsyncIterator[str]:
    schema = f"t_audit_{uuid.uuid4().hex[:12]}"
    yield schema
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()
