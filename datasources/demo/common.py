"""Shared pieces of the demo generators: the fixed seed, the date range, regions and small helpers."""

import datetime as dt
import random

from faker import Faker

SEED = 20240101
START = dt.date(2024, 1, 1)
END = dt.date(2025, 6, 30)
DAYS = (END - START).days

REGIONS = ["서울", "경기", "부산", "인천", "대구", "대전", "광주", "울산", "강원", "제주"]
REGION_WEIGHTS = [30, 25, 10, 8, 6, 5, 5, 3, 4, 4]


def scaled(base: int, scale: float, minimum: int = 3) -> int:
    return max(minimum, int(base * scale))


def random_day(rng: random.Random, start: dt.date = START, end: dt.date = END) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def faker(seed: int) -> Faker:
    fake = Faker(["ko_KR"])
    fake.seed_instance(seed)
    return fake


def names(fake: Faker, count: int) -> list[str]:
    return [fake.name() for _ in range(count)]


def email(rng: random.Random, prefix: str, i: int, domains=("example.com", "example.net", "example.org")) -> str:
    return f"{prefix}{i}@{rng.choice(domains)}"
