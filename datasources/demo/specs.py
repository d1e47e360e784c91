"""Table definitions and English descriptions of the four demo data sets.

Each column is `(name, SQL type, description)`; the types work on SQLite and
PostgreSQL alike. Descriptions go into `COMMENT ON` (PostgreSQL) and into the
stored schema (both engines) so prompts can use them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TableSpec:
    """One demo table: name, description and columns."""

    name: str
    description: str
    columns: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class DemoSpec:
    """One demo data set: its key (file and schema name), title, description and tables in load order."""

    key: str
    title: str
    description: str
    tables: tuple[TableSpec, ...]


ECOMMERCE = DemoSpec(
    key="ecommerce",
    title="ecommerce",
    description="Demo online shop: customers, products, orders, order items and reviews (2024-2025).",
    tables=(
        TableSpec(
            "customers",
            "Registered shoppers of the online shop.",
            (
                ("id", "INTEGER PRIMARY KEY", "Customer id."),
                ("name", "VARCHAR(100) NOT NULL", "Customer's full name (mostly Korean names)."),
                ("email", "VARCHAR(200) NOT NULL", "Customer's email address."),
                ("gender", "VARCHAR(10)", "'M' or 'F'."),
                ("birth_year", "INTEGER", "Year of birth."),
                ("region", "VARCHAR(20) NOT NULL", "Home region in Korean, e.g. 서울, 부산, 경기."),
                ("tier", "VARCHAR(20) NOT NULL", "Membership tier: bronze, silver, gold or vip."),
                ("signup_date", "DATE NOT NULL", "Date the customer signed up."),
            ),
        ),
        TableSpec(
            "products",
            "Products for sale in the catalogue.",
            (
                ("id", "INTEGER PRIMARY KEY", "Product id."),
                ("name", "VARCHAR(200) NOT NULL", "Product name."),
                (
                    "category",
                    "VARCHAR(40) NOT NULL",
                    "Product category in Korean, e.g. 전자제품 (electronics), 의류 (clothing).",
                ),
                ("brand", "VARCHAR(80) NOT NULL", "Brand name."),
                ("price", "NUMERIC(12,2) NOT NULL", "Current list price in Korean won (KRW)."),
                ("cost", "NUMERIC(12,2) NOT NULL", "Unit cost to the shop in KRW."),
                ("stock", "INTEGER NOT NULL", "Units currently in stock."),
                ("is_active", "BOOLEAN NOT NULL", "Whether the product is still sold."),
                ("created_at", "DATE NOT NULL", "Date the product was added."),
            ),
        ),
        TableSpec(
            "orders",
            "Customer orders; one row per checkout.",
            (
                ("id", "INTEGER PRIMARY KEY", "Order id."),
                ("customer_id", "INTEGER NOT NULL REFERENCES customers(id)", "Customer who placed the order."),
                ("order_date", "DATE NOT NULL", "Date the order was placed."),
                ("status", "VARCHAR(20) NOT NULL", "Order status: paid, shipped, delivered, cancelled or refunded."),
                ("payment_method", "VARCHAR(20) NOT NULL", "card, bank_transfer, kakao_pay or naver_pay."),
                ("shipping_region", "VARCHAR(20) NOT NULL", "Delivery region in Korean."),
                ("total_amount", "NUMERIC(12,2) NOT NULL", "Order total in KRW (sum of its items)."),
            ),
        ),
        TableSpec(
            "order_items",
            "Lines of an order: which product, how many, at what price.",
            (
                ("id", "INTEGER PRIMARY KEY", "Order item id."),
                ("order_id", "INTEGER NOT NULL REFERENCES orders(id)", "Order this line belongs to."),
                ("product_id", "INTEGER NOT NULL REFERENCES products(id)", "Product ordered."),
                ("quantity", "INTEGER NOT NULL", "Units ordered."),
                ("unit_price", "NUMERIC(12,2) NOT NULL", "Price per unit paid in KRW."),
            ),
        ),
        TableSpec(
            "reviews",
            "Product reviews written by customers.",
            (
                ("id", "INTEGER PRIMARY KEY", "Review id."),
                ("product_id", "INTEGER NOT NULL REFERENCES products(id)", "Reviewed product."),
                ("customer_id", "INTEGER NOT NULL REFERENCES customers(id)", "Reviewer."),
                ("rating", "INTEGER NOT NULL", "Star rating from 1 to 5."),
                ("title", "VARCHAR(200)", "Short review headline."),
                ("created_at", "DATE NOT NULL", "Date the review was posted."),
            ),
        ),
    ),
)

HR = DemoSpec(
    key="hr",
    title="hr",
    description="Demo company HR data: departments, employees, salary history and daily attendance.",
    tables=(
        TableSpec(
            "departments",
            "Departments of the company.",
            (
                ("id", "INTEGER PRIMARY KEY", "Department id."),
                ("name", "VARCHAR(50) NOT NULL", "Department name in Korean, e.g. 개발팀 (engineering)."),
                ("location", "VARCHAR(20) NOT NULL", "Office city in Korean."),
                ("budget", "NUMERIC(14,2) NOT NULL", "Yearly budget in KRW."),
            ),
        ),
        TableSpec(
            "employees",
            "People employed by the company, current and former.",
            (
                ("id", "INTEGER PRIMARY KEY", "Employee id."),
                ("name", "VARCHAR(100) NOT NULL", "Employee's full name."),
                ("email", "VARCHAR(200) NOT NULL", "Work email address."),
                ("department_id", "INTEGER NOT NULL REFERENCES departments(id)", "Department the employee works in."),
                ("manager_id", "INTEGER REFERENCES employees(id)", "The employee's manager (null for heads)."),
                ("job_title", "VARCHAR(50) NOT NULL", "Job title in Korean, e.g. 사원, 대리, 과장, 차장, 부장."),
                ("hire_date", "DATE NOT NULL", "Date the employee joined."),
                ("termination_date", "DATE", "Date the employee left; null while employed."),
                ("gender", "VARCHAR(10)", "'M' or 'F'."),
            ),
        ),
        TableSpec(
            "salaries",
            "Salary history: one row per salary period of an employee.",
            (
                ("id", "INTEGER PRIMARY KEY", "Salary record id."),
                ("employee_id", "INTEGER NOT NULL REFERENCES employees(id)", "Employee paid."),
                ("amount", "NUMERIC(12,2) NOT NULL", "Yearly salary in KRW."),
                ("from_date", "DATE NOT NULL", "First day this salary applied."),
                ("to_date", "DATE", "Last day it applied; null for the current salary."),
            ),
        ),
        TableSpec(
            "attendance",
            "Daily attendance of employees over recent working days.",
            (
                ("id", "INTEGER PRIMARY KEY", "Attendance record id."),
                ("employee_id", "INTEGER NOT NULL REFERENCES employees(id)", "Employee."),
                ("work_date", "DATE NOT NULL", "Working day."),
                ("status", "VARCHAR(20) NOT NULL", "present, late, remote, vacation or sick."),
                ("hours_worked", "NUMERIC(4,1) NOT NULL", "Hours worked that day."),
            ),
        ),
    ),
)

EDU = DemoSpec(
    key="edu",
    title="edu",
    description="Demo university data: students, courses, enrollments and assessment grades.",
    tables=(
        TableSpec(
            "students",
            "Students of the university.",
            (
                ("id", "INTEGER PRIMARY KEY", "Student id."),
                ("name", "VARCHAR(100) NOT NULL", "Student's full name."),
                ("email", "VARCHAR(200) NOT NULL", "Student email address."),
                ("major", "VARCHAR(50) NOT NULL", "Major in Korean, e.g. 컴퓨터공학 (computer science)."),
                ("year", "INTEGER NOT NULL", "Year of study, 1 to 4."),
                ("admission_date", "DATE NOT NULL", "Date of admission."),
                ("hometown", "VARCHAR(20) NOT NULL", "Home region in Korean."),
            ),
        ),
        TableSpec(
            "courses",
            "Courses offered.",
            (
                ("id", "INTEGER PRIMARY KEY", "Course id."),
                ("code", "VARCHAR(20) NOT NULL", "Course code such as CS101."),
                ("title", "VARCHAR(200) NOT NULL", "Course title."),
                ("department", "VARCHAR(50) NOT NULL", "Department offering the course (Korean)."),
                ("credits", "INTEGER NOT NULL", "Credit points."),
                ("instructor", "VARCHAR(100) NOT NULL", "Instructor's name."),
            ),
        ),
        TableSpec(
            "enrollments",
            "A student taking a course in a semester.",
            (
                ("id", "INTEGER PRIMARY KEY", "Enrollment id."),
                ("student_id", "INTEGER NOT NULL REFERENCES students(id)", "Enrolled student."),
                ("course_id", "INTEGER NOT NULL REFERENCES courses(id)", "Course taken."),
                ("semester", "VARCHAR(10) NOT NULL", "Semester such as 2024-1 or 2024-2."),
                ("enrolled_at", "DATE NOT NULL", "Date of enrollment."),
                ("final_grade", "VARCHAR(2)", "Letter grade A+, A, B+, B, C+, C, D or F; null while in progress."),
            ),
        ),
        TableSpec(
            "grades",
            "Scores of assessments (midterm, final, assignment) per enrollment.",
            (
                ("id", "INTEGER PRIMARY KEY", "Grade id."),
                ("enrollment_id", "INTEGER NOT NULL REFERENCES enrollments(id)", "Enrollment assessed."),
                ("assessment", "VARCHAR(20) NOT NULL", "midterm, final or assignment."),
                ("score", "NUMERIC(5,1) NOT NULL", "Score out of 100."),
                ("graded_at", "DATE NOT NULL", "Date the score was recorded."),
            ),
        ),
    ),
)

AD = DemoSpec(
    key="ad",
    title="ad",
    description="Demo advertising data: campaigns, ad groups, ads, daily impressions, clicks and conversions.",
    tables=(
        TableSpec(
            "campaigns",
            "Advertising campaigns.",
            (
                ("id", "INTEGER PRIMARY KEY", "Campaign id."),
                ("name", "VARCHAR(200) NOT NULL", "Campaign name."),
                ("channel", "VARCHAR(20) NOT NULL", "Ad channel: search, display, social, video."),
                ("objective", "VARCHAR(20) NOT NULL", "awareness, traffic or sales."),
                ("budget", "NUMERIC(14,2) NOT NULL", "Total budget in KRW."),
                ("start_date", "DATE NOT NULL", "First day of the campaign."),
                ("end_date", "DATE NOT NULL", "Last day of the campaign."),
                ("status", "VARCHAR(20) NOT NULL", "active, paused or ended."),
            ),
        ),
        TableSpec(
            "ad_groups",
            "Groups of ads inside a campaign sharing a target audience.",
            (
                ("id", "INTEGER PRIMARY KEY", "Ad group id."),
                ("campaign_id", "INTEGER NOT NULL REFERENCES campaigns(id)", "Campaign."),
                ("name", "VARCHAR(200) NOT NULL", "Ad group name."),
                ("target_region", "VARCHAR(20) NOT NULL", "Targeted region in Korean."),
                ("target_age", "VARCHAR(10) NOT NULL", "Targeted age band such as 20-29."),
            ),
        ),
        TableSpec(
            "ads",
            "Individual ad creatives.",
            (
                ("id", "INTEGER PRIMARY KEY", "Ad id."),
                ("ad_group_id", "INTEGER NOT NULL REFERENCES ad_groups(id)", "Ad group."),
                ("headline", "VARCHAR(200) NOT NULL", "Ad headline text."),
                ("format", "VARCHAR(20) NOT NULL", "text, image, carousel or video."),
                ("created_at", "DATE NOT NULL", "Date the ad was created."),
            ),
        ),
        TableSpec(
            "impressions",
            "Daily impressions and spend per ad.",
            (
                ("id", "INTEGER PRIMARY KEY", "Row id."),
                ("ad_id", "INTEGER NOT NULL REFERENCES ads(id)", "Ad shown."),
                ("date", "DATE NOT NULL", "Day."),
                ("impressions", "INTEGER NOT NULL", "Times the ad was shown that day."),
                ("cost", "NUMERIC(12,2) NOT NULL", "Spend that day in KRW."),
            ),
        ),
        TableSpec(
            "clicks",
            "Individual clicks on ads.",
            (
                ("id", "INTEGER PRIMARY KEY", "Click id."),
                ("ad_id", "INTEGER NOT NULL REFERENCES ads(id)", "Ad clicked."),
                ("clicked_at", "TIMESTAMP NOT NULL", "When the click happened."),
                ("device", "VARCHAR(20) NOT NULL", "mobile, desktop or tablet."),
                ("region", "VARCHAR(20) NOT NULL", "Region of the clicking user in Korean."),
            ),
        ),
        TableSpec(
            "conversions",
            "Purchases or sign-ups attributed to a click.",
            (
                ("id", "INTEGER PRIMARY KEY", "Conversion id."),
                ("click_id", "INTEGER NOT NULL REFERENCES clicks(id)", "Click that led to the conversion."),
                ("converted_at", "TIMESTAMP NOT NULL", "When the conversion happened."),
                ("type", "VARCHAR(20) NOT NULL", "purchase or signup."),
                ("revenue", "NUMERIC(12,2) NOT NULL", "Revenue in KRW (0 for sign-ups)."),
            ),
        ),
    ),
)

DEMO_SPECS: dict[str, DemoSpec] = {spec.key: spec for spec in (ECOMMERCE, HR, EDU, AD)}
