"""Deterministic row generators for the demo sets (Faker and `random` with a fixed seed).

`generate(key, scale)` returns `{table: [row tuples in column order]}`. Dates are
ISO strings and fall in 2024-01-01..2025-06-30 whatever today's date is, so the
same seed always gives the same database.
"""

import datetime as dt
import random

from faker import Faker

SEED = 20240101
START = dt.date(2024, 1, 1)
END = dt.date(2025, 6, 30)
DAYS = (END - START).days

REGIONS = ["서울", "경기", "부산", "인천", "대구", "대전", "광주", "울산", "강원", "제주"]
REGION_WEIGHTS = [30, 25, 10, 8, 6, 5, 5, 3, 4, 4]


def _n(base: int, scale: float, minimum: int = 3) -> int:
    return max(minimum, int(base * scale))


def _day(rng: random.Random, start: dt.date = START, end: dt.date = END) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _faker(seed: int) -> Faker:
    fake = Faker(["ko_KR"])
    fake.seed_instance(seed)
    return fake


def _names(fake: Faker, count: int) -> list[str]:
    return [fake.name() for _ in range(count)]


def _email(rng: random.Random, prefix: str, i: int, domains=("example.com", "example.net", "example.org")) -> str:
    return f"{prefix}{i}@{rng.choice(domains)}"


def ecommerce(scale: float) -> dict[str, list[tuple]]:
    rng, fake = random.Random(SEED), _faker(SEED)
    n_customers, n_products, n_orders = _n(2000, scale), _n(300, scale, 10), _n(12000, scale, 20)
    customers = []
    for i, name in enumerate(_names(fake, n_customers), start=1):
        customers.append(
            (
                i,
                name,
                _email(rng, "customer", i),
                rng.choice("MF"),
                rng.randint(1960, 2005),
                rng.choices(REGIONS, REGION_WEIGHTS)[0],
                rng.choices(["bronze", "silver", "gold", "vip"], [50, 30, 15, 5])[0],
                _day(rng, dt.date(2020, 1, 1), END).isoformat(),
            )
        )
    categories = {
        "전자제품": (
            ["Galaxy", "Sony", "LG", "Apple", "Xiaomi"],
            ["무선 이어폰", "스마트워치", "노트북", "모니터", "태블릿"],
        ),
        "의류": (["Uniqlo", "Nike", "Adidas", "Musinsa", "Zara"], ["티셔츠", "청바지", "패딩", "후드티", "운동화"]),
        "도서": (
            ["민음사", "창비", "문학동네", "한빛미디어", "위즈덤"],
            ["소설", "에세이", "프로그래밍", "자기계발", "만화"],
        ),
        "식품": (["CJ", "농심", "오뚜기", "풀무원", "동원"], ["라면", "김치", "커피", "견과류", "생수"]),
        "뷰티": (
            ["이니스프리", "설화수", "라네즈", "미샤", "닥터자르트"],
            ["토너", "선크림", "립스틱", "마스크팩", "세럼"],
        ),
        "스포츠": (
            ["Nike", "Decathlon", "Wilson", "Yonex", "Asics"],
            ["요가매트", "덤벨", "테니스 라켓", "배드민턴 라켓", "러닝화"],
        ),
        "가구": (["IKEA", "한샘", "리바트", "시디즈", "까사미아"], ["의자", "책상", "침대", "소파", "수납장"]),
    }
    products = []
    for i in range(1, n_products + 1):
        category = rng.choice(list(categories))
        brands, kinds = categories[category]
        brand, kind = rng.choice(brands), rng.choice(kinds)
        price = round(
            rng.choice([9900, 19900, 29900, 49000, 89000, 159000, 299000, 890000]) * rng.uniform(0.8, 1.3), -2
        )
        products.append(
            (
                i,
                f"{brand} {kind} {rng.randint(1, 99)}",
                category,
                brand,
                float(price),
                float(round(price * rng.uniform(0.45, 0.75), -1)),
                rng.randint(0, 500),
                rng.random() > 0.08,
                _day(rng, dt.date(2022, 1, 1), END).isoformat(),
            )
        )
    orders, items = [], []
    item_id = 0
    for i in range(1, n_orders + 1):
        customer = rng.randint(1, n_customers)
        total = 0.0
        for _ in range(rng.choices([1, 2, 3, 4], [45, 30, 15, 10])[0]):
            item_id += 1
            product = products[rng.randint(0, n_products - 1)]
            quantity = rng.choices([1, 2, 3], [75, 20, 5])[0]
            items.append((item_id, i, product[0], quantity, product[4]))
            total += quantity * product[4]
        orders.append(
            (
                i,
                customer,
                _day(rng).isoformat(),
                rng.choices(["delivered", "shipped", "paid", "cancelled", "refunded"], [70, 10, 8, 8, 4])[0],
                rng.choices(["card", "kakao_pay", "naver_pay", "bank_transfer"], [50, 25, 15, 10])[0],
                customers[customer - 1][5],
                round(total, 2),
            )
        )
    titles = ["아주 만족합니다", "배송이 빨라요", "가성비 좋아요", "그냥 그래요", "다시 구매할게요", "품질이 아쉬워요"]
    reviews = [
        (
            i,
            rng.randint(1, n_products),
            rng.randint(1, n_customers),
            rng.choices([1, 2, 3, 4, 5], [5, 7, 15, 33, 40])[0],
            rng.choice(titles),
            _day(rng).isoformat(),
        )
        for i in range(1, _n(5000, scale) + 1)
    ]
    return {"customers": customers, "products": products, "orders": orders, "order_items": items, "reviews": reviews}


def hr(scale: float) -> dict[str, list[tuple]]:
    rng, fake = random.Random(SEED + 1), _faker(SEED + 1)
    names = [
        "개발팀",
        "인사팀",
        "영업팀",
        "마케팅팀",
        "재무팀",
        "디자인팀",
        "고객지원팀",
        "기획팀",
        "법무팀",
        "데이터팀",
        "보안팀",
        "구매팀",
    ]
    departments = [
        (i, name, rng.choice(["서울", "판교", "부산", "대전"]), float(rng.randint(5, 80) * 10_000_000))
        for i, name in enumerate(names, start=1)
    ]
    titles = ["사원", "대리", "과장", "차장", "부장"]
    base_pay = {"사원": 38_000_000, "대리": 48_000_000, "과장": 60_000_000, "차장": 72_000_000, "부장": 88_000_000}
    employees, salaries, attendance = [], [], []
    n_employees = _n(800, scale, len(departments) + 5)
    heads = {}
    salary_id = attendance_id = 0
    work_days = [END - dt.timedelta(days=d) for d in range(60) if (END - dt.timedelta(days=d)).weekday() < 5][:30]
    for i, name in enumerate(_names(fake, n_employees), start=1):
        department = (i - 1) % len(departments) + 1 if i <= len(departments) else rng.randint(1, len(departments))
        title = "부장" if i <= len(departments) else rng.choices(titles, [40, 25, 18, 10, 7])[0]
        manager = None if i <= len(departments) else heads[department]
        if i <= len(departments):
            heads[department] = i
        hired = _day(rng, dt.date(2010, 1, 1), dt.date(2025, 3, 1))
        left = _day(rng, hired + dt.timedelta(days=90), END) if rng.random() < 0.1 else None
        employees.append(
            (
                i,
                name,
                _email(rng, "emp", i, ("corp.example.com",)),
                department,
                manager,
                title,
                hired.isoformat(),
                left.isoformat() if left else None,
                rng.choice("MF"),
            )
        )
        amount = base_pay[title] * rng.uniform(0.85, 1.15)
        start = hired
        periods = rng.randint(1, 5)
        for period in range(periods):
            salary_id += 1
            end = None if period == periods - 1 else start + dt.timedelta(days=365)
            salaries.append(
                (salary_id, i, float(round(amount, -4)), start.isoformat(), end.isoformat() if end else None)
            )
            amount *= rng.uniform(1.02, 1.08)
            start = (end or start) + dt.timedelta(days=1)
        if left:
            continue
        for day in work_days:
            attendance_id += 1
            status = rng.choices(["present", "remote", "late", "vacation", "sick"], [70, 15, 6, 7, 2])[0]
            hours = 0.0 if status in ("vacation", "sick") else round(rng.uniform(6.5, 10.5), 1)
            attendance.append((attendance_id, i, day.isoformat(), status, hours))
    return {"departments": departments, "employees": employees, "salaries": salaries, "attendance": attendance}


def edu(scale: float) -> dict[str, list[tuple]]:
    rng, fake = random.Random(SEED + 2), _faker(SEED + 2)
    majors = [
        "컴퓨터공학",
        "경영학",
        "경제학",
        "기계공학",
        "전자공학",
        "심리학",
        "국어국문학",
        "영어영문학",
        "수학",
        "화학",
    ]
    students = [
        (
            i,
            name,
            _email(rng, "student", i, ("univ.example.ac.kr",)),
            rng.choice(majors),
            rng.randint(1, 4),
            _day(rng, dt.date(2021, 3, 1), dt.date(2025, 3, 1)).isoformat(),
            rng.choices(REGIONS, REGION_WEIGHTS)[0],
        )
        for i, name in enumerate(_names(fake, _n(1500, scale)), start=1)
    ]
    subjects = [
        (
            "CS",
            "컴퓨터공학",
            [
                "Programming Basics",
                "Data Structures",
                "Algorithms",
                "Databases",
                "Operating Systems",
                "Machine Learning",
            ],
        ),
        (
            "BA",
            "경영학",
            [
                "Principles of Management",
                "Marketing",
                "Accounting",
                "Finance",
                "Business Strategy",
                "Organizational Behavior",
            ],
        ),
        (
            "EC",
            "경제학",
            ["Microeconomics", "Macroeconomics", "Econometrics", "Game Theory", "Public Economics", "Labor Economics"],
        ),
        ("ME", "기계공학", ["Statics", "Thermodynamics", "Fluid Mechanics", "Dynamics", "Machine Design", "Robotics"]),
        (
            "MA",
            "수학",
            ["Calculus I", "Calculus II", "Linear Algebra", "Probability", "Statistics", "Discrete Mathematics"],
        ),
        (
            "PS",
            "심리학",
            [
                "Intro to Psychology",
                "Cognitive Psychology",
                "Social Psychology",
                "Developmental Psychology",
                "Research Methods",
                "Statistics for Psychology",
            ],
        ),
        (
            "KL",
            "국어국문학",
            [
                "Korean Literature",
                "Modern Poetry",
                "Classical Korean",
                "Linguistics",
                "Creative Writing",
                "Korean Grammar",
            ],
        ),
        (
            "EN",
            "영어영문학",
            [
                "English Composition",
                "British Literature",
                "American Literature",
                "Phonetics",
                "Translation",
                "Shakespeare",
            ],
        ),
        (
            "CH",
            "화학",
            [
                "General Chemistry",
                "Organic Chemistry",
                "Physical Chemistry",
                "Analytical Chemistry",
                "Biochemistry",
                "Lab Methods",
            ],
        ),
        (
            "EE",
            "전자공학",
            ["Circuits", "Signals and Systems", "Electronics", "Digital Logic", "Embedded Systems", "Communications"],
        ),
    ]
    instructors = _names(fake, 40)
    courses = []
    for prefix, department, titles in subjects:
        for n, title in enumerate(titles, start=1):
            courses.append(
                (
                    len(courses) + 1,
                    f"{prefix}{100 * ((n + 1) // 2) + n}",
                    title,
                    department,
                    rng.choice([2, 3, 3, 3, 4]),
                    rng.choice(instructors),
                )
            )
    semesters = {"2024-1": dt.date(2024, 3, 2), "2024-2": dt.date(2024, 9, 2), "2025-1": dt.date(2025, 3, 3)}
    letters = ["A+", "A", "B+", "B", "C+", "C", "D", "F"]
    enrollments, grades = [], []
    for i in range(1, _n(9000, scale) + 1):
        semester = rng.choice(list(semesters))
        start = semesters[semester]
        scores = {
            kind: round(min(100.0, max(0.0, rng.gauss(76, 12))), 1) for kind in ("midterm", "assignment", "final")
        }
        done = semester != "2025-1"
        mean = sum(scores.values()) / 3
        letter = letters[min(7, max(0, int((95 - mean) // 5)))] if done else None
        enrollments.append(
            (
                i,
                rng.randint(1, len(students)),
                rng.randint(1, len(courses)),
                semester,
                (start - dt.timedelta(days=rng.randint(3, 20))).isoformat(),
                letter,
            )
        )
        for offset, kind in ((50, "midterm"), (80, "assignment"), (105, "final")):
            if kind == "final" and not done:
                continue
            grades.append((len(grades) + 1, i, kind, scores[kind], (start + dt.timedelta(days=offset)).isoformat()))
    return {"students": students, "courses": courses, "enrollments": enrollments, "grades": grades}


def ad(scale: float) -> dict[str, list[tuple]]:
    rng = random.Random(SEED + 3)
    products = [
        "여름 세일",
        "신학기",
        "블랙프라이데이",
        "설날 특가",
        "신제품 출시",
        "앱 설치",
        "브랜드 인지도",
        "회원 가입",
    ]
    campaigns, ad_groups, ads, impressions, clicks, conversions = [], [], [], [], [], []
    n_campaigns = _n(40, scale, 4)
    for i in range(1, n_campaigns + 1):
        start = _day(rng, START, END - dt.timedelta(days=60))
        end = start + dt.timedelta(days=rng.randint(30, 120))
        status = "ended" if end < END else rng.choice(["active", "active", "paused"])
        campaigns.append(
            (
                i,
                f"{rng.choice(products)} {start.year}-{i:02d}",
                rng.choice(["search", "display", "social", "video"]),
                rng.choice(["awareness", "traffic", "sales"]),
                float(rng.randint(5, 200) * 1_000_000),
                start.isoformat(),
                min(end, END).isoformat(),
                status,
            )
        )
    for campaign in campaigns:
        for _ in range(4):
            gid = len(ad_groups) + 1
            ad_groups.append(
                (
                    gid,
                    campaign[0],
                    f"그룹 {gid}",
                    rng.choices(REGIONS, REGION_WEIGHTS)[0],
                    rng.choice(["18-24", "25-34", "35-44", "45-54", "55+"]),
                )
            )
    for group in ad_groups:
        campaign = campaigns[group[1] - 1]
        for _ in range(rng.randint(2, 5)):
            ads.append(
                (
                    len(ads) + 1,
                    group[0],
                    f"{campaign[1].split(' 20')[0]} 지금 확인하세요 #{len(ads) + 1}",
                    rng.choice(["text", "image", "carousel", "video"]),
                    campaign[5],
                )
            )
    day_budget = max(1, int(60 * min(1.0, scale * 2)))
    for ad_row in ads:
        campaign = campaigns[ad_groups[ad_row[1] - 1][1] - 1]
        start = dt.date.fromisoformat(campaign[5])
        quality = rng.uniform(0.005, 0.04)
        for d in range(0, min(day_budget, (dt.date.fromisoformat(campaign[6]) - start).days + 1)):
            day = start + dt.timedelta(days=d)
            shown = rng.randint(200, 5000)
            impressions.append(
                (
                    len(impressions) + 1,
                    ad_row[0],
                    day.isoformat(),
                    shown,
                    float(round(shown * rng.uniform(1.5, 6.0), 2)),
                )
            )
            for _ in range(int(shown * quality / 40)):
                at = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)))
                cid = len(clicks) + 1
                clicks.append(
                    (
                        cid,
                        ad_row[0],
                        at.isoformat(sep=" "),
                        rng.choices(["mobile", "desktop", "tablet"], [70, 25, 5])[0],
                        rng.choices(REGIONS, REGION_WEIGHTS)[0],
                    )
                )
                if rng.random() < 0.12:
                    kind = rng.choice(["purchase", "purchase", "signup"])
                    revenue = float(round(rng.uniform(9_900, 300_000), -2)) if kind == "purchase" else 0.0
                    later = at + dt.timedelta(minutes=rng.randint(1, 600))
                    conversions.append((len(conversions) + 1, cid, later.isoformat(sep=" "), kind, revenue))
    return {
        "campaigns": campaigns,
        "ad_groups": ad_groups,
        "ads": ads,
        "impressions": impressions,
        "clicks": clicks,
        "conversions": conversions,
    }


GENERATORS = {"ecommerce": ecommerce, "hr": hr, "edu": edu, "ad": ad}


def generate(key: str, scale: float = 1.0) -> dict[str, list[tuple]]:
    """Rows of demo set `key` at `scale` (1.0 = thousands to tens of thousands of rows)."""
    return GENERATORS[key](scale)
