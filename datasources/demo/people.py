"""Generators of the people demo sets: hr (a company) and edu (a university)."""

import datetime as dt
import random

from datasources.demo.common import END, REGION_WEIGHTS, REGIONS, SEED, email, faker, names, random_day, scaled


def hr(scale: float) -> dict[str, list[tuple]]:
    rng, fake = random.Random(SEED + 1), faker(SEED + 1)
    department_names = [
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
        for i, name in enumerate(department_names, start=1)
    ]
    titles = ["사원", "대리", "과장", "차장", "부장"]
    base_pay = {"사원": 38_000_000, "대리": 48_000_000, "과장": 60_000_000, "차장": 72_000_000, "부장": 88_000_000}
    employees, salaries, attendance = [], [], []
    n_employees = scaled(800, scale, len(departments) + 5)
    heads = {}
    salary_id = attendance_id = 0
    work_days = [END - dt.timedelta(days=d) for d in range(60) if (END - dt.timedelta(days=d)).weekday() < 5][:30]
    for i, name in enumerate(names(fake, n_employees), start=1):
        department = (i - 1) % len(departments) + 1 if i <= len(departments) else rng.randint(1, len(departments))
        title = "부장" if i <= len(departments) else rng.choices(titles, [40, 25, 18, 10, 7])[0]
        manager = None if i <= len(departments) else heads[department]
        if i <= len(departments):
            heads[department] = i
        hired = random_day(rng, dt.date(2010, 1, 1), dt.date(2025, 3, 1))
        left = random_day(rng, hired + dt.timedelta(days=90), END) if rng.random() < 0.1 else None
        employees.append(
            (
                i,
                name,
                email(rng, "emp", i, ("corp.example.com",)),
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
    rng, fake = random.Random(SEED + 2), faker(SEED + 2)
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
            email(rng, "student", i, ("univ.example.ac.kr",)),
            rng.choice(majors),
            rng.randint(1, 4),
            random_day(rng, dt.date(2021, 3, 1), dt.date(2025, 3, 1)).isoformat(),
            rng.choices(REGIONS, REGION_WEIGHTS)[0],
        )
        for i, name in enumerate(names(fake, scaled(1500, scale)), start=1)
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
    instructors = names(fake, 40)
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
    for i in range(1, scaled(9000, scale) + 1):
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
